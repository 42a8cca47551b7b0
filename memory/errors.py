"""The engine's error hierarchy; each boundary maps these once.

MemragError
 ├── InvalidInput      bad request data (empty text, unknown parameter)
 ├── NotFound          no such document
 ├── StorageError      the vector store failed or holds inconsistent data
 │    └── CorruptRecord  one stored record cannot be decoded (quarantined where it is read)
 ├── ModelError        the embedder or extractor failed
 └── QueueFull         too many documents wait to be indexed: send again after `retry_after_s`
"""


class MemragError(Exception):
    """Base of every error the engine raises on purpose."""


class InvalidInput(MemragError):
    pass


class NotFound(MemragError):
    pass


class StorageError(MemragError):
    pass


class CorruptRecord(StorageError):
    """A stored record that cannot be decoded; readers skip and count it, never fail on it."""


class ModelError(MemragError):
    pass


class QueueFull(MemragError):
    """Too many documents wait in the job queue (in all, or of one namespace); nothing was accepted."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
