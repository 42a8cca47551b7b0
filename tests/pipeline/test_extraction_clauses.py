"""The offline extractor's reading of a passage on the real spaCy model: the title as the passage's topic,
relations through nouns, coordinated objects, domain terms, and long passages parsed in pieces."""

import pytest

from memrag.memory.extraction.offline import SpacyExtractor
from memrag.memory.extraction.pieces import MAX_PIECE_CHARS
from memrag.memory.types import Triple


@pytest.fixture(scope="module")
def extract():
    extractor = SpacyExtractor()
    return lambda text: extractor.extract([text])[0]


def test_the_journal_and_a_journal_published_by_stand_for_the_title(extract):
    found = extract(
        "Nature Physics\nNature Physics is a scientific journal published by the Nature Publishing Group. "
        "The journal was first published in October 2005."
    )
    assert Triple("Nature Physics", "publish by", "Nature Publishing Group") in found.triples
    assert Triple("Nature Physics", "publish in", "October 2005") in found.triples


def test_a_bare_surname_stands_for_a_person_title(extract):
    found = extract(
        "G. Stanley Hall\nHall was born in Ashfield, Massachusetts. He founded the American Journal of Psychology."
    )
    assert Triple("G. Stanley Hall", "bear in", "Ashfield") in found.triples
    assert Triple("G. Stanley Hall", "found", "American Journal of Psychology") in found.triples


def test_a_relative_clause_speaks_of_its_noun_and_a_role_links_through_of(extract):
    found = extract(
        "Adolescence\nHall, who was the first president of the American Psychological Association, "
        "viewed adolescence as a time of turmoil."
    )
    assert Triple("Hall", "be first president of", "American Psychological Association") in found.triples


def test_a_light_noun_passes_to_its_of_phrase(extract):
    found = extract(
        "Journal of Small Business Management\nThe Journal of Small Business Management is an academic journal "
        "published by Wiley-Blackwell on behalf of the International Council for Small Business."
    )
    expected = Triple(
        "Journal of Small Business Management", "publish on behalf of", "International Council for Small Business"
    )
    assert expected in found.triples
    assert not any(t.object == "behalf" for t in found.triples)


def test_a_title_with_commas_stays_one_subject(extract):
    found = extract(
        "Culture, Society and Masculinities\nCulture, Society and Masculinities was a peer-reviewed journal "
        "first published in early 2009 by Men's Studies Press."
    )
    assert Triple("Culture, Society and Masculinities", "publish by", "Men's Studies Press") in found.triples
    assert {t.subject for t in found.triples} == {"Culture, Society and Masculinities"}


def test_domain_terms_the_recogniser_misses_are_entities(extract):
    found = extract(
        "Aspirin\nLow-dose aspirin reduces the risk of myocardial infarction in patients with coronary artery "
        "disease. Gastrointestinal bleeding is a known adverse effect of long-term antiplatelet therapy."
    )
    assert {"myocardial infarction", "coronary artery disease"} <= set(found.entities)
    assert Triple("Aspirin", "mentions", "coronary artery disease") in found.triples


def test_a_passage_longer_than_a_piece_is_read_to_its_end(extract):
    filler = "The committee met again and talked at length about the weather. " * (MAX_PIECE_CHARS // 50)
    found = extract(f"Warsaw\n{filler}\n\nWarsaw was founded by Boleslaw the Brave.")
    assert len(filler) > MAX_PIECE_CHARS
    assert any(t.subject == "Warsaw" and t.predicate == "found by" for t in found.triples)
