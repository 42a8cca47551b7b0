"""Point ids are stored: the fast uuid5 must give exactly what `uuid.uuid5` gives, for any record id."""

import uuid

from hypothesis import given
from hypothesis import strategies as st

from memrag.memory.ids import _POINT_NAMESPACE, point_uuid


@given(st.text())
def test_point_ids_equal_uuid5_for_any_record_id(record_id):
    assert point_uuid(record_id) == str(uuid.uuid5(_POINT_NAMESPACE, record_id))


def test_a_known_record_id_keeps_its_point_id():
    # Written by stores of earlier versions: a change here would orphan every stored point.
    assert point_uuid("passage-0123456789abcdef0123456789abcdef") == str(
        uuid.uuid5(uuid.UUID("6f1c2d4e-8b3a-5c7d-9e0f-1a2b3c4d5e6f"), "passage-0123456789abcdef0123456789abcdef")
    )
