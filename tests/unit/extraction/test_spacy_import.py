"""spaCy is loaded for the offline extractor without PyTorch, and torch stays importable after."""

from __future__ import annotations

import subprocess
import sys
import threading

from memrag.memory.extraction import spacy_import
from memrag.memory.extraction.spacy_import import import_torch

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


def test_torch_is_not_imported_while_spacy_is_being_imported_with_torch_hidden() -> None:
    import torch  # loaded beforehand: `import_torch` is then instant unless the lock holds it

    assert torch.__version__
    waited = threading.Event()

    def take_torch() -> None:
        import_torch()
        waited.set()

    with spacy_import._IMPORTING:  # as if spaCy's import were in progress, torch hidden
        taker = threading.Thread(target=take_torch)
        taker.start()
        assert not waited.wait(0.3), "torch was imported while spaCy's import held the lock"
    taker.join(60)
    assert waited.is_set()
