"""Comparison questions (pure): the candidates and measure a question names, the dates a passage
states, and the candidate (or yes / no) the passages support."""

import pytest

from memrag.memory.retrieval.comparison import (
    TitledPassage,
    answer_comparison,
    country_of,
    find_passage,
    split_name,
)
from memrag.memory.retrieval.comparison_question import Measure, parse_comparison
from memrag.memory.retrieval.passage_dates import When, birth_date, death_date, first_date, lifespan_days
from memrag.memory.retrieval.short_answer import ParsedSentence, Span


@pytest.mark.parametrize(
    ("question", "first", "second", "measure", "earliest", "via_director"),
    [
        ("Which film came out first, 3 Dots or Dying God?", "3 Dots", "Dying God", Measure.FIRST_DATE, True, False),
        (
            "Was Angus Wagner or Juan Carlos Falcón born first?",
            "Angus Wagner",
            "Juan Carlos Falcón",
            Measure.BIRTH,
            True,
            False,
        ),
        (
            "Who is older Carrie Akre or Shifty Shellshock?",
            "Carrie Akre",
            "Shifty Shellshock",
            Measure.BIRTH,
            True,
            False,
        ),
        (
            "who is younger Ulrich Walter or  Luca Parmitano?",
            "Ulrich Walter",
            "Luca Parmitano",
            Measure.BIRTH,
            False,
            False,
        ),
        (
            "Who died earlier, Werner Mensching or Karel Zich?",
            "Werner Mensching",
            "Karel Zich",
            Measure.DEATH,
            True,
            False,
        ),
        (
            "Who lived longer, Ludwig Elsbett or Pamela Ann Rymer?",
            "Ludwig Elsbett",
            "Pamela Ann Rymer",
            Measure.LIFESPAN,
            False,
            False,
        ),
        (
            "Which film has the director who was born later, The First Day Of Freedom or Malabimba?",
            "The First Day Of Freedom",  # "First" inside a title is not the question's "first"
            "Malabimba",
            Measure.BIRTH,
            False,
            True,
        ),
        (
            "Was The Last Coupon or Dying God released first?",
            "The Last Coupon",
            "Dying God",
            Measure.FIRST_DATE,
            True,
            False,
        ),
        (
            "Which battle, the Battle of Cold Harbor, or the Second Battle of Bull Run, was fought first?",
            "Battle of Cold Harbor",
            "Second Battle of Bull Run",
            Measure.FIRST_DATE,
            True,
            False,
        ),
    ],
)
def test_a_choice_names_its_two_candidates_and_what_decides_between_them(
    question, first, second, measure, earliest, via_director
):
    found = parse_comparison(question)
    assert found is not None and found.choice
    assert (found.first, found.second, found.measure) == (first, second, measure)
    assert (found.earliest, found.via_director) == (earliest, via_director)


def test_a_sameness_question_names_its_two_candidates_and_asks_yes_or_no():
    found = parse_comparison("Did the movies Inside The Room and Crude Set Drama, originate from the same country?")
    assert found is not None and not found.choice and found.measure is Measure.COUNTRY
    assert (found.first, found.second, found.via_director) == ("Inside The Room", "Crude Set Drama", False)
    by_director = parse_comparison(
        "Do both films Interview With A Hitman and The Last Coupon have the directors from the same country?"
    )
    assert by_director is not None and by_director.via_director


@pytest.mark.parametrize(
    "question",
    [
        "Who designed the Tarnholm lighthouse?",
        "What is the year of the event which occurred first, the cheese was founded, or the market opened?",
        "Is tea or coffee more popular?",  # no order asked for
    ],
)
def test_a_question_that_compares_nothing_this_reader_decides_is_not_a_comparison(question):
    assert parse_comparison(question) is None


def test_dates_are_read_from_a_life_span_a_birth_or_a_passages_first_date():
    life = "Katherine Mansfield (14 October 1888 – 9 January 1923) was a writer."
    assert (birth_date(life), death_date(life)) == (When(1888, 10, 14), When(1923, 1, 9))
    assert lifespan_days(life) == 12505
    born = "Leo Fong (born November 23, 1928) is an actor. In 1970 he moved."
    assert (birth_date(born), death_date(born), lifespan_days(born)) == (When(1928, 11, 23), None, None)
    assert first_date("Dying God is a 2008 Argentinian film, released in March 2009.") == When(2008)
    assert birth_date("Abdul Aziz (d. 1803) was the second ruler.") is None  # the first date is a death
    assert death_date("Abdul Aziz (d. 1803) was the second ruler.") == When(1803)


def test_two_dates_are_ordered_only_at_the_precision_both_have():
    assert When(1888, 10, 14).before(When(1888, 11, 2)) is True
    assert When(1889).before(When(1888, 11, 2)) is False
    assert When(1888).before(When(1888, 11, 2)) is None  # same year, one without a month: a tie


def _passage(title: str, *sentences: str | tuple[str, tuple[Span, ...]]) -> TitledPassage:
    parsed = [ParsedSentence(s, ()) if isinstance(s, str) else ParsedSentence(s[0], s[1]) for s in sentences]
    return TitledPassage(title, tuple(parsed))


FILMS = [
    _passage("Unrelated", "Bergen is a city."),
    _passage("3 Dots", "3 Dots is a 2013 Malayalam comedy film directed by Sugeeth."),
    _passage("Dying God", "Dying God is a 2008 Argentinian horror film directed by Fabrice Lambot."),
    _passage("Fabrice Lambot", "Fabrice Lambot (born 12 May 1965) is a French film director."),
    _passage("Sugeeth", "Sugeeth (born 1979) is an Indian film director."),
]


def test_the_candidate_whose_date_wins_is_the_answer_cited_with_the_sentence_holding_its_date():
    first = answer_comparison("Which film came out first, 3 Dots or Dying God?", FILMS)
    assert first is not None and (first.text, first.passage) == ("Dying God", 3)
    assert first.support == "Dying God is a 2008 Argentinian horror film directed by Fabrice Lambot."
    later = answer_comparison("Which film was released later, 3 Dots or Dying God?", FILMS)
    assert later is not None and (later.text, later.passage) == ("3 Dots", 2)


def test_a_films_director_is_followed_to_the_directors_own_passage():
    found = answer_comparison("Which film has the director born first, 3 Dots or Dying God?", FILMS)
    assert found is not None and (found.text, found.passage) == ("Dying God", 3 + 1)  # Lambot's passage, 1965
    assert found.support.startswith("Fabrice Lambot (born 12 May 1965)")


def test_without_both_candidates_passages_or_dates_there_is_no_comparison_answer():
    assert answer_comparison("Which film came out first, 3 Dots or Paper Moon?", FILMS) is None
    undated = [*FILMS[:2], _passage("Dying God", "Dying God is an Argentinian horror film.")]
    assert answer_comparison("Which film came out first, 3 Dots or Dying God?", undated) is None
    same_year = [*FILMS[:2], _passage("Dying God", "Dying God is a 2013 film.")]
    assert answer_comparison("Which film came out first, 3 Dots or Dying God?", same_year) is None


def test_a_title_is_matched_whatever_its_case_and_article_but_not_by_one_shared_word():
    assert find_passage("Algiers (Film)", [_passage("Bergen", "x"), _passage("Algiers (film)", "x")]) == 1
    assert find_passage("The Heart Of Doreon", [_passage("Heart of Doreon", "x")]) == 0
    assert find_passage("Dying God", [_passage("Dying Light", "x")]) is None
    assert find_passage("The Lady", [_passage("Lady Bird", "x"), _passage("The Lady (magazine)", "x")]) == 1
    named = [_passage("Ek Hi Bhool", "x"), _passage("Ek Hi Bhool (1940 film)", "x")]
    assert find_passage("Ek Hi Bhool (1940 Film)", named) == 1 and find_passage("Ek Hi Bhool", named) == 0


def _nationality(title: str, text: str, norp: str) -> TitledPassage:
    return _passage(title, (text, (Span(norp, "NORP"),)))


def test_sameness_compares_the_nationality_each_passage_states():
    question = "Are Inside The Room and Crude Set Drama from the same country?"
    british = [
        _nationality("Inside the Room", "A 1935 British film.", "British"),
        _nationality("Crude Set Drama", "An 1895 British film.", "British"),
    ]
    answer = answer_comparison(question, british)
    assert answer is not None and answer.text == "yes"
    mixed = [british[0], _nationality("Crude Set Drama", "An 1895 French-British film.", "French-British")]
    answer = answer_comparison(question, mixed)
    assert answer is not None and answer.text == "no"
    assert answer_comparison(question, [british[0], _passage("Crude Set Drama", "A silent film.")]) is None


def test_a_place_is_in_the_last_country_its_first_sentence_names_a_person_of_their_nationality():
    spans = (Span("Persian", "NORP"), Span("Kerman Province", "GPE"), Span("Iran", "GPE"))
    village = _passage("Marufabad", ("Marufabad is a Persian village in Kerman Province, Iran.", spans))
    assert country_of(village, located=True) == "iran"
    assert country_of(village, located=False) == "persian"
    composer = _nationality("Vale", "Vale was an Austrian-American composer.", "Austrian-American")
    assert country_of(composer, located=False) == "austrian"


def test_a_both_question_names_the_attribute_after_both_or_leaves_it_joined_to_the_second_name():
    after = parse_comparison("Are Mike Bryan and Ray Ruffels both tennis players?")
    assert after is not None and after.measure is Measure.ATTRIBUTE and not after.choice
    assert (after.first, after.second, after.attribute) == ("Mike Bryan", "Ray Ruffels", "tennis players")
    before = parse_comparison("Were both Peter Duffell and Fred Niblo actors?")
    assert before is not None and (before.first, before.second, before.attribute) == (
        "Peter Duffell",
        "Fred Niblo actors",
        "",
    )
    assert parse_comparison("Were both Pietro Salini and Domenico Ravenna, born in the same place?") is None


PLAYERS = [
    _passage("Mike Bryan", "Mike Bryan is an American professional tennis player."),
    _passage("Ray Ruffels", "Ray Ruffels is a former tennis player from Australia."),
    _passage("Fred Niblo", "Fred Niblo was an American film director.", "He was also an actor."),
    _passage("Peter Duffell", "Peter Duffell was an English film director."),
]


def test_both_is_yes_when_both_passages_open_with_the_attribute_and_no_when_one_does_not():
    yes = answer_comparison("Are Mike Bryan and Ray Ruffels both tennis players?", PLAYERS)  # "players" meets "player"
    assert yes is not None and (yes.text, yes.passage) == ("yes", 1)
    no = answer_comparison("Were both Fred Niblo and Peter Duffell actors?", PLAYERS)  # Niblo's second sentence says it
    assert no is not None and (no.text, no.passage) == ("no", 4)
    assert no.support == "Peter Duffell was an English film director."
    assert answer_comparison("Are Mike Bryan and Serena Williams both tennis players?", PLAYERS) is None


def test_the_second_name_ends_where_the_best_matching_title_ends():
    assert split_name("Fred Niblo actors", PLAYERS) == ("Fred Niblo", "actors")
    assert split_name("Ray Ruffels tennis players", PLAYERS) == ("Ray Ruffels", "tennis players")
    assert split_name("Serena Williams players", PLAYERS) == ("", "Serena Williams players")


def test_a_question_longer_than_any_comparison_is_not_read():
    """Catches the bound going: the patterns' nested lazy groups took 72 s on a 10,000-character question,
    holding the server's interpreter lock (every tenant waited)."""
    assert parse_comparison("Who was born first, " + "Ann " * 100 + "or Bea?") is None
    assert parse_comparison("Who was born first, Ann or Bea?") is not None


def test_an_older_thing_that_is_not_a_person_is_compared_by_its_first_date_not_a_birth():
    found = parse_comparison("Which university is older, Uppsala University or Lund University?")
    assert found is not None and found.measure is Measure.FIRST_DATE
    person = parse_comparison("Who is older, Carrie Akre or Shifty Shellshock?")
    assert person is not None and person.measure is Measure.BIRTH


def test_a_passage_without_a_sentence_gives_no_both_answer_and_no_error():
    """Catches reading the first sentence of a passage that has none (`[1]` as a whole text): a 500."""
    passages = [TitledPassage("Vogue", ()), _passage("Time", "Time is an American news magazine.")]
    assert answer_comparison("Are Vogue and Time both magazines?", passages) is None


def test_a_year_before_christ_is_no_date_to_compare():
    """Catches "1540 BC" read as the year 1540: Thutmose I would be born after Ramesses II."""
    assert birth_date("Thutmose I (born 1540 BC) was a pharaoh.") is None
    assert birth_date("Thutmose I (born 1540 B.C.E.) was a pharaoh.") is None
    assert birth_date("Lund (born 1540) was a town.") == When(1540)
    assert birth_date("Thutmose I (1550–1504 BC) was a pharaoh.") is None  # a life span before Christ
    assert birth_date("Ada Lovelace (1815–1852) was a mathematician.") == When(1815)
    passages = [
        _passage("Thutmose I", "Thutmose I (born 1540 BC) was a pharaoh."),
        _passage("Ramesses II", "Ramesses II (born 1303 BC) was a pharaoh."),
    ]
    assert answer_comparison("Who was born first, Thutmose I or Ramesses II?", passages) is None
