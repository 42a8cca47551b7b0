"""`memrag snapshot` and `memrag restore`: a data directory (or one namespace of it) to one archive and back."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from memrag.memory.errors import StorageError
from memrag.memory.settings import Settings
from memrag.memory.storage.snapshot import write_snapshot
from memrag.memory.storage.snapshot_format import Manifest
from memrag.memory.storage.snapshot_restore import restore_snapshot


def add_snapshot_parsers(sub: Any) -> None:
    """Register both commands on the `memrag` sub-command parser."""
    snap = sub.add_parser(
        "snapshot", help="archive a data directory (or one namespace) that no process has open: stores and positions"
    )
    snap.add_argument("--data-dir", type=Path, default=None, help="the data directory (default: MEMRAG_DATA_DIR)")
    snap.add_argument("--out", type=Path, required=True, help="a new file: FILE.tar, or FILE.tar.gz to compress")
    snap.add_argument("--namespace", default=None, help="only this namespace's store and log position")
    snap.set_defaults(run=snapshot)

    rest = sub.add_parser("restore", help="unpack a snapshot into a new or empty data directory, after checking it")
    rest.add_argument("--from", dest="archive", type=Path, required=True, help="the file `memrag snapshot` wrote")
    rest.add_argument("--data-dir", type=Path, required=True, help="a new or empty folder")
    rest.set_defaults(run=restore)


def snapshot(args: argparse.Namespace) -> int:
    data_dir = args.data_dir or Settings().data_dir
    started = time.perf_counter()
    manifest = _file_errors(lambda: write_snapshot(data_dir, args.out, args.namespace), "write the snapshot")
    print(
        f"snapshot of {_scope(manifest)} written to {args.out} in {time.perf_counter() - started:.1f} s: "
        f"{len(manifest.files)} files, {args.out.stat().st_size / 1e6:.1f} MB (holes of sparse files left out)"
    )
    _print_positions(manifest)
    return 0


def restore(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    manifest = _file_errors(lambda: restore_snapshot(args.archive, args.data_dir), "restore the snapshot")
    print(
        f"restored {_scope(manifest)} (taken {manifest.created}) into {args.data_dir}: {len(manifest.files)} files "
        f"checked, in {time.perf_counter() - started:.1f} s"
    )
    _print_positions(manifest)
    if manifest.positions:
        print(
            "a replica serving it applies each namespace's log from there: start it with MEMRAG_DATA_DIR set to this "
            "folder and a name of its own (memrag worker --apply --consumer NAME)"
        )
    return 0


def _file_errors(action: Callable[[], Manifest], what: str) -> Manifest:
    """The action's manifest; a file system failure (permission, full disk) as an error naming it."""
    try:
        return action()
    except OSError as exc:
        raise StorageError(f"cannot {what}: {exc.strerror or type(exc).__name__}") from exc


def _scope(manifest: Manifest) -> str:
    if manifest.namespace is not None:
        return f"namespace {manifest.namespace!r}"
    return f"the data directory ({len(manifest.namespaces)} namespaces)"


def _print_positions(manifest: Manifest) -> None:
    for namespace, entry in sorted(manifest.positions.items()):
        print(f"  {namespace}: log applied up to entry {entry}")
