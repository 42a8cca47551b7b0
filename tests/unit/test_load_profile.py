"""load_api's profile summary: samples by part, waits and lock waits apart, milliseconds per answer, GIL ceiling."""

from pathlib import Path

from benchmarks.load_profile import gil_ceiling, profile_summary, read_samples

ENGINE = """class Engine:
    def retrieve(self):
        with self._lock:
            return self._rank()
"""
ROUTE = "Thread._bootstrap (threading.py:1002);answer_for (memrag/api/routes_query.py:72)"
RAW = "\n".join(
    (
        f"{ROUTE};Engine.retrieve (memrag/memory/engine.py:4);exact_ppr (memrag/memory/graph/ppr.py:75) 30",
        f"{ROUTE};Engine.retrieve (memrag/memory/engine.py:3) 50",  # queued on the engine's lock
        f"{ROUTE};ExtractiveReader.answer (memrag/memory/retrieval/reader.py:197) 10",
        "Runner.run (asyncio/runners.py:118);RequestResponseCycle.send (uvicorn/protocols/http/h11_impl.py:524) 10",
        "Thread._bootstrap (threading.py:1002);Condition.wait (threading.py:327) 40",
    )
)


def _profile(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "checkout"
    (root / "memrag" / "memory").mkdir(parents=True)
    (root / "memrag" / "memory" / "engine.py").write_text(ENGINE)
    raw = tmp_path / "profile.raw"
    raw.write_text(RAW + "\n")
    return raw, root


def test_samples_at_a_line_taking_a_lock_are_waits_not_the_part_that_holds_it(tmp_path):
    raw, root = _profile(tmp_path)
    found = read_samples(raw, root)
    assert found.parts == {"retrieval": 30, "reader": 10, "HTTP": 10}
    assert (found.waiting, found.locked, found.working) == (40, 50, 50)
    assert read_samples(raw).parts["retrieval"] == 80  # without the sources no line is known to take a lock


def test_each_part_gets_its_sampled_milliseconds_per_answer(tmp_path):
    raw, root = _profile(tmp_path)
    summary = profile_summary(raw, answers=100, root=root)
    assert "retrieval 60%, reader 20%, HTTP 20%" in summary
    assert "40 samples of threads waiting, 50 at a lock of ours" in summary
    # 50 samples at 100 a second over 100 answers: 5 ms an answer, 3 of them retrieval's
    assert "sampled ms per answer: 5.00 = retrieval 3.00, reader 1.00, HTTP 1.00" in summary


def test_the_gil_ceiling_is_one_second_over_the_gil_held_time_per_answer(tmp_path):
    raw, root = _profile(tmp_path)
    # GIL held 5 ms an answer: at most 200 answers/s; 2 cores / 8 ms CPU an answer: a bound of 250
    assert "at most 200 answers/s = 80% of the all-core bound" in gil_ceiling(raw, 100, 8.0, 2, root)
