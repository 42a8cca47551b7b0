"""Build-stage helper: prints the distributions the runtime image can drop (torch and whatever only it needs).

Usage: python prune_runtime.py [ROOT_DIST] -> one distribution name a line, for `pip uninstall -y`.
The runtime keeps the closure of ROOT_DIST's (default `memrag`) requirements with the torch
stack cut out: the ONNX model is exported at build time, so nothing at run time imports
torch, transformers or sentence-transformers. Exits non-zero if the root is not installed.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata

try:
    from packaging.requirements import Requirement
except ImportError:  # pip vendors it where the venv has no copy of its own
    from pip._vendor.packaging.requirements import Requirement  # type: ignore[assignment]

# Only the build-time ONNX export and the `torch` embedding backend import these.
BUILD_ONLY = {"torch", "sentence-transformers", "transformers", "onnx"}
# Imported at run time by the ONNX embedder: kept even where only the torch stack's requirements name it.
ALSO_KEEP = ("tokenizers",)


def canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(dist: metadata.Distribution, extras: frozenset[str]) -> list[tuple[str, frozenset[str]]]:
    """(name, extras) of the requirements that apply on this platform with these extras asked for."""
    found = []
    for raw in dist.requires or []:
        req = Requirement(raw)
        if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in ("", *extras)):
            found.append((canon(req.name), frozenset(req.extras)))
    return found


def main(root: str = "memrag") -> int:
    installed = {canon(d.metadata["Name"]): d for d in metadata.distributions()}
    if canon(root) not in installed:
        print(f"{root} is not installed", file=sys.stderr)
        return 1
    keep: set[str] = set()
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(canon(n), frozenset[str]()) for n in (root, *ALSO_KEEP)]
    while todo:
        item = todo.pop()
        name, extras = item
        if item in seen or name in BUILD_ONLY or name not in installed:
            continue
        seen.add(item)
        keep.add(name)
        todo.extend(requirements(installed[name], extras))
    tooling = {"pip", "setuptools", "wheel", "packaging"}
    for name in sorted(set(installed) - keep - tooling):
        print(name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:]))
