from memrag.memory.llm.json_reply import extract_json, parse_entities, parse_triples
from memrag.memory.types import Triple


def test_plain_fenced_and_prose_wrapped_json_are_read():
    assert extract_json('{"a": 1}') == {"a": 1}
    assert extract_json('Sure!\n```json\n{"a": [1, 2]}\n```\nHope that helps.') == {"a": [1, 2]}
    assert extract_json('Here you go: {"named_entities": ["X"]} -- done') == {"named_entities": ["X"]}


def test_truncated_json_is_closed_at_the_last_complete_element():
    reply = '{"triples": [["Paris", "capital of", "France"], ["Berlin", "capital of", "Ger'
    assert parse_triples(reply).triples == (Triple("Paris", "capital of", "France"),)


def test_truncation_inside_a_string_with_brackets_and_escapes():
    reply = '{"named_entities": ["A [b]", "C \\"d\\"", "E, f'
    assert parse_entities(reply).entities == ("A [b]", 'C "d"')


def test_wrong_shapes_are_dropped_and_counted():
    reply = '{"triples": [["a", "b", "c"], ["a", "b"], ["a", 2, "c"], "abc", ["a", " ", "c"], ["a", "b", "c"]]}'
    parsed = parse_triples(reply)
    assert parsed.triples == (Triple("a", "b", "c"),)
    assert parsed.dropped == 4


def test_replies_without_json_are_unreadable_not_errors():
    assert parse_triples("I cannot help with that.").unreadable
    assert parse_entities('{"named_entities": "not a list"}').unreadable
    assert extract_json("{not json at all}") is None


def test_bare_lists_are_accepted():
    assert parse_entities('["A", "B", "A", 3]').entities == ("A", "B")
    assert parse_entities('["A", "B", "A", 3]').dropped == 1
