"""The engine's error hierarchy; each boundary maps these once.

MemragError
 ├── InvalidInput      bad request data (empty text, unknown parameter)
 ├── NotFound          no such document
 ├── StorageError      the vector store failed or holds inconsistent data
 └── ModelError        the embedder or extractor failed
"""


class MemragError(Exception):
    """Base of every error the engine raises on purpose."""


class InvalidInput(MemragError):
    pass


class NotFound(MemragError):
    pass


class StorageError(MemragError):
    pass


class ModelError(MemragError):
    pass
