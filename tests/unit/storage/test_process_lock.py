"""One owner at a time for an embedded store; the lock goes with its holder."""

import pytest

from memrag.memory.errors import StorageError
from memrag.memory.storage.qdrant_edge import EdgeStore


def test_a_second_opener_of_an_embedded_store_is_refused_until_the_first_closes(tmp_path):
    first = EdgeStore(tmp_path / "ns")
    first.open_index("things", 4)
    with pytest.raises(StorageError, match="open in another process"):
        EdgeStore(tmp_path / "ns")
    first.close()
    again = EdgeStore(tmp_path / "ns")
    again.open_index("things", 4)
    again.close()
