from memrag.memory.ids import content_id, entity_id, normalize_entity, point_uuid


def test_normalisation_lowercases_and_strips_punctuation():
    assert normalize_entity("  The Beatles' “Abbey Road”! ") == "the beatles abbey road"


def test_normalisation_keeps_letters_of_every_script():
    assert normalize_entity("Москва—Сити") == "москва сити"
    assert normalize_entity("東京タワー (Tokyo)") == "東京タワー tokyo"
    assert normalize_entity("Café Müller") == "café müller"


def test_names_made_only_of_punctuation_normalise_to_empty():
    assert normalize_entity("?!…") == ""


def test_ids_are_content_hashes():
    assert entity_id("paris") == entity_id(normalize_entity("PARIS!"))
    assert content_id("x", "a", "bc") != content_id("x", "ab", "c")
    assert point_uuid("passage-1") == point_uuid("passage-1")
    assert point_uuid("passage-1") != point_uuid("passage-2")
