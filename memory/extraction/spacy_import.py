"""Importing spaCy without PyTorch: thinc loads torch if it can, ~180 MB resident that the offline extractor never uses.

The offline pipeline (a small CNN model) runs on thinc's numpy ops; torch only serves transformer
pipelines and the torch embedding backend. So unless torch is already loaded, spaCy is imported
with torch hidden (thinc then records it as absent); torch stays importable afterwards, through
`import_torch`, which waits while spaCy's import has it hidden.
Measured: spaCy loaded and run, 339 MB resident with torch, 155 MB without.
"""

from __future__ import annotations

import sys
import threading
from types import ModuleType

_IMPORTING = threading.Lock()


def import_spacy() -> ModuleType:
    """The spaCy module, imported (the first time) with torch hidden unless something loaded it already."""
    with _IMPORTING:
        if "spacy" in sys.modules or "torch" in sys.modules:
            import spacy

            return spacy
        sys.modules["torch"] = None  # type: ignore[assignment]  # makes `import torch` raise ImportError
        try:
            import spacy
        finally:
            sys.modules.pop("torch", None)
        return spacy


def import_torch() -> ModuleType:
    """torch, imported under the same lock: never while spaCy's import has it hidden (an ImportError)."""
    with _IMPORTING:
        import torch

        return torch
