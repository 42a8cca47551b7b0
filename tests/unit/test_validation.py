"""The input bounds (memory/validation.py): each rule accepts its limit and refuses one past it,
with a message naming the field and never echoing the text."""

import math

import pytest

from memrag.memory.errors import InvalidInput
from memrag.memory.types import DocumentInput
from memrag.memory.validation import (
    MAX_ID_CHARS,
    MAX_METADATA_BYTES,
    MAX_METADATA_DEPTH,
    MAX_TITLE_CHARS,
    InvalidValue,
    check_document,
    check_documents,
    check_id,
    check_metadata,
    check_namespace,
    check_question,
    check_text,
    check_title,
    check_top_k,
)


def nested(levels: int) -> dict[str, object]:
    """A metadata object `levels` deep, the object itself being level 1."""
    value: dict[str, object] = {"leaf": 1}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


def test_an_invalid_value_is_invalid_input_and_a_value_error():
    assert issubclass(InvalidValue, InvalidInput) and issubclass(InvalidValue, ValueError)


def test_metadata_as_deep_as_allowed_passes_and_one_level_more_is_refused():
    assert check_metadata(nested(MAX_METADATA_DEPTH)) == nested(MAX_METADATA_DEPTH)
    with pytest.raises(InvalidValue, match=r"metadata nests more than 8 levels .*flatten it"):
        check_metadata(nested(MAX_METADATA_DEPTH + 1))


def test_lists_count_as_levels_too():
    value: object = 1
    for _ in range(MAX_METADATA_DEPTH - 1):
        value = [value]
    check_metadata({"k": value})  # the object and 7 lists: 8 levels
    with pytest.raises(InvalidValue, match="nests more than 8"):
        check_metadata({"k": [value]})


def test_metadata_nested_far_past_any_recursion_limit_is_refused_not_crashed():
    value: object = 1
    for _ in range(100_000):
        value = {"a": value}
    with pytest.raises(InvalidValue, match="nests more than 8"):
        check_metadata(value)


@pytest.mark.parametrize(
    ("metadata", "named"),
    [
        ([1, 2], "must be a JSON object"),
        ({"k": math.nan}, r"metadata\['k'\] is nan"),
        ({"k": math.inf}, "is inf"),
        ({"k": 2**63}, "beyond 64 bits; send it as a string"),
        ({"k": b"bytes"}, "is a bytes"),
        ({"k": {1, 2}}, "is a set"),
        ({1: "int key"}, "a key of metadata must be a string"),
        ({"": "empty key"}, "a key of metadata is empty"),
        ({"k" * 257: 1}, "at most 256"),
        ({"k\u202e": 1}, "bidirectional control U\\+202E"),
        ({"k": "a\x00b"}, r"metadata\['k'\] holds the control character U\+0000"),
        ({"k": "a\ud800"}, "lone surrogate"),
    ],
)
def test_metadata_values_and_keys_outside_json_are_refused(metadata: object, named: str):
    with pytest.raises(InvalidValue, match=named):
        check_metadata(metadata)


def test_metadata_scalars_inside_json_pass():
    fine = {"s": "right-to-left \u202bok\u202c", "i": -(2**63), "f": 1.5, "b": True, "n": None, "l": [1, "a", None]}
    assert check_metadata(fine) == fine


def test_metadata_size_is_bounded_in_utf8_bytes():
    at_limit = {"k": "x" * (MAX_METADATA_BYTES - len('{"k": ""}'))}
    check_metadata(at_limit)
    with pytest.raises(InvalidValue, match="65,537 bytes as JSON; at most 65,536"):
        check_metadata({"k": at_limit["k"] + "x"})
    with pytest.raises(InvalidValue, match="over 65,536 bytes"):
        check_metadata({"k": [0] * MAX_METADATA_BYTES})


def test_ids_are_bounded_and_free_of_control_and_bidi_characters():
    assert check_id("x" * MAX_ID_CHARS)
    assert check_id("../../etc/passwd") == "../../etc/passwd"  # never a file path: a valid id
    for bad, named in [
        ("x" * (MAX_ID_CHARS + 1), "at most 512"),
        ("", "id is empty"),
        ("a\nb", "control character U\\+000A"),
        ("a\tb", "U\\+0009"),
        ("a\x85b", "U\\+0085"),  # C1
        ("evil\u202egpj.exe", "bidirectional control U\\+202E"),
        ("a\u2066b", "U\\+2066"),
        ("a\udfffb", "lone surrogate \\(U\\+DFFF at character 1\\)"),
        (42, "must be a string, not int"),
    ]:
        with pytest.raises(InvalidValue, match=named):
            check_id(bad)


def test_titles_take_line_breaks_but_no_bidi_controls():
    assert check_title("") == ""
    assert check_title("Two\nlines") == "Two\nlines"
    with pytest.raises(InvalidValue, match="at most 1,000"):
        check_title("t" * (MAX_TITLE_CHARS + 1))
    with pytest.raises(InvalidValue, match="title holds the bidirectional control U\\+2069"):
        check_title("a\u2069")


def test_text_keeps_tab_newline_and_bidi_and_refuses_other_controls():
    assert check_text("a\tb\r\nc \u202eRTL\u202c", "text")
    for bad in ("a\x00b", "a\x1bb", "a\x7fb", "a\x9fb"):
        with pytest.raises(InvalidValue, match="control character"):
            check_text(bad, "text")
    with pytest.raises(InvalidValue, match="text has no text"):
        check_text(" \n\t", "text")


def test_messages_name_the_place_and_never_echo_the_text():
    with pytest.raises(InvalidValue) as raised:
        check_text("secret words \x00 more secret", "documents[3].text")
    assert str(raised.value).startswith("documents[3].text holds the control character U+0000 at character 13")
    assert "secret" not in str(raised.value)


def test_namespaces_match_one_pattern_and_cannot_climb_out():
    assert check_namespace("team-docs_2") == "team-docs_2"
    for bad in ("../../x", "..", "a/b", "a.b", "-lead", "", "x" * 65, "a\x00", "ns\ud800"):
        with pytest.raises(InvalidValue, match=r"1 to 64 letters|at most 64"):
            check_namespace(bad)


def test_questions_and_top_k_are_bounded():
    assert check_question("q" * 10_000)
    with pytest.raises(InvalidValue, match="at most 10,000"):
        check_question("q" * 10_001)
    with pytest.raises(InvalidValue, match="question has no text"):
        check_question("  ")
    assert check_top_k(200) == 200
    for bad in (0, -1, 201, 10**12):
        with pytest.raises(InvalidValue, match="from 1 to 200"):
            check_top_k(bad)
    with pytest.raises(InvalidValue, match="an integer"):
        check_top_k(True)


def test_a_document_is_checked_field_by_field_and_a_job_by_count():
    check_document(DocumentInput(text="fine", id="a", title="t", metadata=nested(8)))
    with pytest.raises(InvalidValue, match=r"^documents\[1\]\.title"):
        check_documents([DocumentInput(text="fine"), DocumentInput(text="fine", title="\u202e")])
    with pytest.raises(InvalidValue, match="501 documents in one job; send at most 500"):
        check_documents([DocumentInput(text="x")] * 501)
    check_documents([DocumentInput(text="x")] * 501, most=None)  # a library caller is not bounded in count
