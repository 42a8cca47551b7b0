"""A replica rebuilt from a snapshot of the writer's data directory resumes the namespace log at the
snapshot's position (the entries before it are trimmed away by then) and ends identical to the
writer: documents, graph, rankings. A snapshot older than what the log retains makes a replica that
says it is behind, never one with a hole."""

from pathlib import Path

import pytest

from memrag.ingest.applier import Applier
from memrag.ingest.redis_queue import log_key
from memrag.ingest.worker import RetryPolicy
from memrag.memory.engine import Engine
from memrag.memory.params import RetrievalParams
from memrag.memory.storage.snapshot import write_snapshot
from memrag.memory.storage.snapshot_restore import restore_snapshot
from memrag.memory.types import DocumentInput
from tests.helpers import extractions, graph_signature, make_engine, ranking_signature
from tests.ingest.rig import RedisRig

RETENTION = 5  # entries the writer keeps behind it in the log (the setting's floor is 10; 5 keeps this short)
TEXTS = [f"Ferry {i} sails from harbour {i % 5} to island {i % 3}." for i in range(30)]
UPDATED = "Ferry 2 now sails from harbour 4 to island 0."
RECORDED = extractions(
    {
        **{
            t: [(f"ferry {i}", "sails from", f"harbour {i % 5}"), (f"harbour {i % 5}", "serves", f"island {i % 3}")]
            for i, t in enumerate(TEXTS)
        },
        UPDATED: [("ferry 2", "sails from", "harbour 4"), ("harbour 4", "serves", "island 0")],
    }
)
QUESTIONS = ["Which ferry sails from harbour 4?", "What serves island 0?"]


def doc(i: int) -> DocumentInput:
    return DocumentInput(text=TEXTS[i], id=f"f{i}", metadata={"n": i})


@pytest.fixture
def rig(tmp_path, redis_client):
    made = RedisRig(tmp_path, redis_client, RECORDED, RetryPolicy(5.0, 3, 0.05), retention=RETENTION)
    made.applier.close()
    made.engine.close()
    start_writer(made, tmp_path / "writer-data")  # the writer keeps a data directory's layout
    yield made
    made.close()


def start_writer(rig: RedisRig, data: Path) -> None:
    rig.engine = make_engine(data / "namespaces" / "ns", RECORDED)
    rig.applier = Applier(rig.client, rig.engine_for, data / "log-positions", "writer", RETENTION, 3600.0)


def stop_writer(rig: RedisRig) -> None:
    rig.applier.close()
    rig.engine.close()


def send(rig: RedisRig, *docs: DocumentInput, delete: tuple[str, ...] = ()) -> None:
    """Each write as a job of its own (one log entry each), applied by the writer."""
    jobs = [rig.jobs.submit_add("ns", [d]).id for d in docs] + [rig.jobs.submit_delete("ns", [i]).id for i in delete]
    assert {j.status for j in rig.drain(jobs)} == {"done"}


def replica_from(snapshot: Path, data: Path, rig: RedisRig) -> tuple[Engine, Applier]:
    """A replica's data directory restored from `snapshot`, and its own applier over it."""
    restore_snapshot(snapshot, data)
    engine = make_engine(data / "namespaces" / "ns", RECORDED)
    return engine, Applier(rig.client, lambda ns: engine, data / "log-positions", "replica", RETENTION, 3600.0)


def catch_up(applier: Applier) -> int:
    applied = 0
    while step := applier.step(block_ms=1):
        applied += step
    return applied


def same_memory(a: Engine, b: Engine) -> bool:
    rankings = [[ranking_signature(e.rank(q, RetrievalParams(top_k=5))) for q in QUESTIONS] for e in (a, b)]
    return (
        a.list_documents() == b.list_documents()
        and graph_signature(a) == graph_signature(b)
        and (rankings[0] == rankings[1])
    )


def test_a_replica_rebuilt_from_a_snapshot_resumes_at_its_position_and_ends_identical_to_the_writer(rig, tmp_path):
    send(rig, *[doc(i) for i in range(12)], delete=("f5",))
    send(rig, DocumentInput(text=UPDATED, id="f2", metadata={"n": 2, "v": 2}))
    first_kept = rig.client.xrange(log_key("ns"), count=1)[0][0].decode()
    assert first_kept != "0-0" and rig.client.xlen(log_key("ns")) == RETENTION  # the early entries are gone

    stop_writer(rig)  # the writer is paused for the snapshot (its store is locked while it runs)
    manifest = write_snapshot(tmp_path / "writer-data", tmp_path / "writer.tar")
    start_writer(rig, tmp_path / "writer-data")
    send(rig, doc(12), doc(13), delete=("f0",))  # written after the snapshot
    send(rig, DocumentInput(text=TEXTS[3], id="f3", metadata={"n": 3, "v": 2}))  # a metadata-only update

    replica_engine, replica = replica_from(tmp_path / "writer.tar", tmp_path / "replica-data", rig)
    try:
        assert replica.position("ns") is None and catch_up(replica) == 4  # only the entries after the snapshot
        assert not replica.behind_retained
        assert replica.position("ns") == rig.applier.position("ns") != manifest.positions["ns"]
        assert same_memory(replica_engine, rig.engine)
        assert len(replica_engine.list_documents()) == 12  # 14 written, f5 and f0 deleted

        send(rig, *[doc(i) for i in range(14, 15 + RETENTION)])  # the registered replica holds the log
        assert catch_up(replica) == 1 + RETENTION and same_memory(replica_engine, rig.engine)
    finally:
        replica.close()
        replica_engine.close()


def test_a_replica_from_a_snapshot_older_than_the_log_retains_says_it_is_behind(rig, tmp_path):
    send(rig, doc(0), doc(1))
    stop_writer(rig)
    write_snapshot(tmp_path / "writer-data", tmp_path / "old.tar")
    start_writer(rig, tmp_path / "writer-data")
    send(rig, *[doc(i) for i in range(2, 4 + 2 * RETENTION)])  # the log moves past the snapshot's position

    replica_engine, replica = replica_from(tmp_path / "old.tar", tmp_path / "replica-data", rig)
    try:
        assert catch_up(replica) == 0 and replica.behind_retained
        assert "behind what the log of namespace 'ns' retains" in replica.behind_reason
        assert len(replica_engine.list_documents()) == 2  # nothing applied over the gap
    finally:
        replica.close()
        replica_engine.close()
