"""Long passages cut into parse-sized pieces: bounded, lossless, at natural breaks, merged back per passage."""

from memrag.memory.extraction.pieces import Pieces, cut
from memrag.memory.types import Extraction, Triple


def test_pieces_are_bounded_and_join_back_to_the_text():
    text = ("A sentence of some words. " * 40 + "\n\n") * 30
    pieces = cut(text, limit=500)
    assert "".join(pieces) == text
    assert all(len(p) <= 500 for p in pieces) and len(pieces) > 1


def test_cut_prefers_a_paragraph_break_then_a_sentence_end():
    text = "x" * 300 + ". " + "y" * 100 + "\n\n" + "z" * 300
    assert cut(text, limit=500)[0] == "x" * 300 + ". " + "y" * 100 + "\n\n"
    assert cut("w" * 300 + ". " + "v" * 400, limit=500)[0] == "w" * 300 + ". "


def test_a_stretch_without_breaks_is_cut_at_the_limit():
    assert cut("q" * 1200, limit=500) == ["q" * 500, "q" * 500, "q" * 200]


def test_short_texts_are_one_piece():
    assert cut("Short.", limit=500) == ["Short."]


def test_pieces_merge_back_to_one_extraction_per_passage():
    pieces = Pieces.of(["a" * 900, "short"], limit=500)
    assert pieces.owners == (0, 0, 1) and pieces.count == 2
    fact = Triple("T", "mentions", "X")
    merged = pieces.merge(
        [
            Extraction(("X", "T"), (fact,)),
            Extraction(("Y", "T"), (fact, Triple("T", "mentions", "Y"))),
            Extraction(("Z",), ()),
        ]
    )
    assert merged == [
        Extraction(("T", "X", "Y"), (fact, Triple("T", "mentions", "Y"))),
        Extraction(("Z",), ()),
    ]


def test_batches_hold_at_most_the_budget_and_every_piece_once_in_order():
    pieces = Pieces.of(["a" * 900, "b" * 300, "c" * 100], limit=500)
    batches = list(pieces.batches(budget=600))
    assert [[len(p) for p in b] for b in batches] == [[500], [400], [300, 100]]  # 400 + 300 would pass 600
    assert [p for b in batches for p in b] == list(pieces.texts)
    assert list(pieces.batches(budget=10)) == [(p,) for p in pieces.texts]  # a piece over the budget goes alone
