"""Building the counterfactual set: whole-word renames, one rename per passage, names nobody has used."""

import json

from memrag.memory.eval.counterfactual import (
    Update,
    build_updates,
    invented_names,
    mentions,
    rename,
    renamed_extractions,
    row,
    shares,
)
from memrag.memory.eval.probe import Asked
from memrag.memory.ids import document_id, passage_id
from memrag.memory.llm.prompts import reader_messages, recognition_messages
from memrag.memory.retrieval.reader import Answer, Citation
from memrag.memory.types import Extraction, Triple
from tests.qa_small import write_set
from tests.scripted_reader import echo_answer, keep_all_facts, scripted_llm


def test_rename_replaces_whole_words_only():
    assert rename("In 1935 he was 35. At 35, he left", "35", "X") == "In 1935 he was X. At X, he left"
    assert rename("U.S. and U.S.A.", "U.S.", "Y") == "Y and U.S.A."


def test_mentions_compares_normalised_whole_words():
    assert mentions("It was built by Ingrid Vale [1].", "ingrid vale")
    assert not mentions("It was built by Ingrid Valentine.", "Ingrid Vale")
    assert not mentions("", "the")  # a name that normalises to nothing is never mentioned


def test_invented_names_are_distinct_seeded_and_unused():
    names = invented_names(20, seed=1, taken="")
    assert len(set(names)) == 20 and names == invented_names(20, seed=1, taken="")
    assert all(len(n.split()) == 2 for n in names)
    word = names[0].split()[0].lower()
    assert all(word not in n.lower().split() for n in invented_names(20, seed=1, taken=f"a {word} b"))


def para(title: str, text: str, gold: bool = True) -> dict:
    return {"title": title, "text": text, "is_supporting": gold}


def test_each_question_renames_the_gold_passage_stating_its_answer_once(tmp_path):
    corpus = [
        {"title": "Lighthouse", "text": "The Tarnholm lighthouse was designed by Ingrid Vale."},
        {"title": "Vale", "text": "Ingrid Vale was born in 1850."},
    ]
    light, vale = (para(row["title"], row["text"]) for row in corpus)
    questions = [
        {"id": "q0", "question": "Who designed the lighthouse?", "answer": "Ingrid Vale", "paragraphs": [light]},
        {"id": "q1", "question": "Who designed it again?", "answer": "Ingrid Vale", "paragraphs": [light]},
        {"id": "q2", "question": "When was its designer born?", "answer": "1850", "paragraphs": [light, vale]},
        {"id": "q3", "question": "Where is it?", "answer": "Norway", "paragraphs": [light]},
    ]
    updates, skipped = build_updates(write_set(tmp_path / "set", corpus, questions), seed=0)
    assert skipped == {"answer_not_in_gold": 1, "passage_already_renamed": 1}
    first, born = updates
    assert first.question == 0 and first.doc_id == document_id("Lighthouse", corpus[0]["text"])
    assert first.text == f"The Tarnholm lighthouse was designed by {first.new}."
    assert born.question == 2 and born.text == f"Ingrid Vale was born in {born.new}." and born.title == "Vale"
    assert first.new != born.new


def test_recorded_triples_of_an_updated_passage_name_the_new_answer(tmp_path):
    corpus = [{"title": "L", "text": "L was designed by Ingrid Vale."}]
    q = {
        "id": "q",
        "question": "Who designed L?",
        "answer": "Ingrid Vale",
        "paragraphs": [para("L", corpus[0]["text"])],
    }
    [update], _ = build_updates(write_set(tmp_path / "set", corpus, [q]))
    recorded = {
        "L\nL was designed by Ingrid Vale.": Extraction(("Ingrid Vale",), (Triple("L", "designed by", "Ingrid Vale"),))
    }
    renamed = renamed_extractions(recorded, [update])
    assert renamed == {update.new_text: Extraction((update.new,), (Triple("L", "designed by", update.new),))}


def test_the_scripted_reader_quotes_the_best_matching_sentence_of_each_passage_it_is_shown():
    prompt = (
        "Passages:\n[1] Bakery\nThe bakery sells rye bread.\n\n"
        "[2] Lighthouse\nIt stands on a cliff. The lighthouse was designed by Ingrid Vale.\n\n"
        "[3] Other\nNothing here. Its designer was someone else.\n\n"
        "Question: Who designed the lighthouse?\nAnswer:"
    )
    assert echo_answer(prompt) == "The lighthouse was designed by Ingrid Vale. [2]"
    assert echo_answer(prompt.replace("designer", "lighthouse")) == (
        "The lighthouse was designed by Ingrid Vale. [2] Its lighthouse was someone else. [3]"
    )
    assert echo_answer("Passages:\n[1] A\nNothing here.\n\nQuestion: Who designed it?\nAnswer:") == (
        "The passages do not say."
    )
    assert keep_all_facts('Question: q\nCandidate facts: {"fact": [["a", "b", "c"]]}') == '{"fact": [["a", "b", "c"]]}'


def test_the_scripted_llm_reads_the_prompts_memrag_sends():
    reading = reader_messages(
        "Who designed the lighthouse?", ["Bakery\nRye bread.", "L\nThe lighthouse was designed by V."]
    )
    assert scripted_llm(reading) == "The lighthouse was designed by V. [2]"
    facts = [("tarnholm lighthouse", "designed by", "ingrid vale")]
    assert json.loads(scripted_llm(recognition_messages("Who designed it?", facts))) == {"fact": [list(facts[0])]}


def test_an_answer_follows_only_when_it_names_the_new_answer_and_cites_the_updated_document():
    update = Update(0, "Ingrid Vale", "Zora Quill", "doc-1", "L", "L was designed by Zora Quill.", "L\nold")

    def asked(text: str, doc: str, top: str = "") -> Asked:
        ranked = ((top, 1.0),) if top else ()
        return Asked(ranked, "graph", ranked, Answer(text, (Citation(1, "p", doc, "t"),), "test"))

    old = asked("L was designed by Ingrid Vale [1].", "doc-1", passage_id("doc-1", "L\nold"))
    follows = row(update, old, asked("L was designed by Zora Quill [1].", "doc-1", update.passage_id), 5)
    assert follows["follows"] and follows["shown"] and follows["before_shown"] and follows["before_old_named"]
    from_elsewhere = row(update, old, asked("Zora Quill designed L [1].", "doc-2"), 5)
    assert not from_elsewhere["follows"] and from_elsewhere["new_named"] and not from_elsewhere["shown"]
    stale = row(update, old, asked("Zora Quill, formerly Ingrid Vale [1].", "doc-1"), 5)
    assert stale["follows"] and stale["old_named"]
    assert shares([stale])["follows_and_old_gone"] == 0.0 and shares([stale])["old_name_gone"] == 0.0
    never_answered = row(update, asked("I do not know [1].", "doc-1"), asked("Zora Quill [1].", "doc-1"), 5)
    found = shares([stale, never_answered, from_elsewhere])
    assert found["follows_update"] == 2 / 3 and found["follows_when_answered_before"] == 1 / 2
    assert found["old_passage_shown_before"] == 2 / 3 and found["updated_passage_shown"] == 0.0
