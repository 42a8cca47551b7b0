"""spaCy is loaded for the offline extractor without PyTorch, and torch stays importable after."""

from __future__ import annotations

import subprocess
import sys

_PROBE = """
import sys
from memrag.memory.extraction.offline import SpacyExtractor
found = SpacyExtractor().extract(["Marie Curie\\nShe was born in Warsaw."])
print("torch loaded:", "torch" in sys.modules)
print("entities:", sorted(found[0].entities))
import torch
print("torch after:", torch.tensor([2]).item())
"""


def test_offline_extractor_runs_without_loading_torch_and_torch_imports_after() -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert "torch loaded: False" in lines
    assert any(line.startswith("entities:") and "Warsaw" in line for line in lines)
    assert "torch after: 2" in lines
