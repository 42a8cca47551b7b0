import json

import pytest

from memrag.memory.errors import InvalidInput
from memrag.memory.extraction.recorded import RecordedExtractor, load_openie_file


def test_v1_and_v2_layouts_load_and_bad_rows_are_dropped_and_counted(tmp_path):
    path = tmp_path / "openie.json"
    docs = [
        {"passage": "A\nAlpha.", "extracted_entities": ["Alpha"], "extracted_triples": [["Alpha", "is", "first"]]},
        {"idx": "x", "passage": "B\nBeta.", "extracted_triples": [["Beta", "is"], ["Beta", "is", 2], ["B", "r", "C"]]},
        {"passage": "", "extracted_triples": []},
        "not a row",
    ]
    path.write_text(json.dumps({"docs": docs}))
    recorded, report = load_openie_file(path)
    assert set(recorded) == {"A\nAlpha.", "B\nBeta."}
    assert len(recorded["B\nBeta."].triples) == 1
    assert report.triples == 2 and report.dropped_rows == 4


def test_unreadable_files_get_a_clear_error(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    with pytest.raises(InvalidInput, match="OpenIE"):
        load_openie_file(path)
    path.write_text(json.dumps({"nodocs": []}))
    with pytest.raises(InvalidInput, match="docs"):
        load_openie_file(path)


def test_recorded_extractor_counts_unknown_passages():
    extractor = RecordedExtractor({})
    assert extractor.extract(["unseen"])[0].triples == ()
    assert extractor.missing == 1
