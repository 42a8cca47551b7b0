"""In the job path, the offline parser extracts the next slice on a helper thread while this one is
embedded and written: the memory comes out as if each slice had been added in turn."""

import threading
import time
from collections.abc import Sequence

from memrag.ingest.jobs import Job
from memrag.ingest.local_jobs import LocalJobs
from memrag.memory.extraction.offline import SpacyExtractor
from memrag.memory.types import DocumentInput, Extraction
from tests.helpers import graph_signature, make_engine

TEXTS = [
    f"{city}\n{city} is a city in {country}. Its mayor, {mayor}, opened a museum of {topic} there in {year}."
    for city, country, mayor, topic, year in [
        (
            f"Town{i}",
            ["France", "Peru", "Japan", "Kenya"][i % 4],
            f"Mayor{i} Smith",
            ["art", "maps", "clocks"][i % 3],
            1900 + i,
        )
        for i in range(40)
    ]
]
DOCS = [DocumentInput(text=t, id=f"d{i}") for i, t in enumerate(TEXTS)]  # three slices: 16, 16, 8


class ThreadNoting(SpacyExtractor):
    """The offline extractor, noting which thread made each call and for which texts."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, list[str]]] = []

    def extract(self, passages: Sequence[str]) -> list[Extraction]:
        self.calls.append((threading.current_thread().name, list(passages)))
        return super().extract(passages)


def _run(jobs: LocalJobs, docs: list[DocumentInput]) -> Job:
    job = jobs.submit_add("default", docs)
    deadline = time.monotonic() + 120
    while jobs.get(job.id).status not in ("done", "failed"):
        assert time.monotonic() < deadline, jobs.get(job.id)
        time.sleep(0.02)
    return jobs.get(job.id)


def test_later_slices_are_extracted_ahead_and_the_memory_equals_slice_by_slice_adds(tmp_path):
    extractor = ThreadNoting()
    engine = make_engine(tmp_path / "jobs", extractor=extractor)
    jobs = LocalJobs(lambda ns: engine, extract_ahead=True)
    assert _run(jobs, DOCS).indexed == 40
    by_thread = {
        name.split("_")[0]: [t for n, texts in extractor.calls if n == name for t in texts]
        for name, _ in extractor.calls
    }
    assert by_thread["memrag-jobs"] == TEXTS[:16]  # the job thread parsed the first slice only
    assert by_thread["memrag-extract-ahead"] == TEXTS[16:]  # the helper the two others, once each
    reference = make_engine(tmp_path / "reference", extractor=SpacyExtractor())
    for start in range(0, len(DOCS), 16):
        reference.add(DOCS[start : start + 16])
    assert graph_signature(engine) == graph_signature(reference)
    assert [d.id for d in engine.list_documents()] == [d.id for d in reference.list_documents()]
    extractor.calls.clear()
    assert _run(jobs, DOCS[:32]).unchanged == 32  # stored and unchanged: neither thread parses them again
    assert extractor.calls == []
    jobs.close()
    engine.close()
    reference.close()
