"""`memrag snapshot` / `memrag restore`: a data directory comes back whole (stores, positions, order), a
namespace snapshot holds that namespace alone, and a hostile or damaged archive is refused before
anything appears in the target."""

import io
import os
import tarfile
from pathlib import Path

import pytest

from memrag.cli.main import main
from memrag.ingest.applied_log import AppliedLog
from memrag.memory.errors import StorageError
from memrag.memory.params import RetrievalParams
from memrag.memory.storage.snapshot import write_snapshot
from memrag.memory.storage.snapshot_format import Manifest, SnapshotError, SnapshotFile
from memrag.memory.storage.snapshot_restore import restore_snapshot
from memrag.memory.storage.snapshot_sparse import SegmentDigest, data_segments
from memrag.memory.storage.sqlite import SqliteFile
from memrag.memory.types import DocumentInput
from tests.helpers import extractions, graph_signature, make_engine, ranking_signature

TEXTS = {
    "Ada Lovelace wrote the first program.": [("ada lovelace", "wrote", "first program")],
    "Charles Babbage designed the analytical engine.": [("charles babbage", "designed", "analytical engine")],
    "Ada Lovelace worked with Charles Babbage.": [("ada lovelace", "worked with", "charles babbage")],
}
RECORDED = extractions(TEXTS)


def build_data_dir(root: Path) -> Path:
    """Two namespaces (a: three documents, b: one), the writer's positions and order, a cache file."""
    data = root / "data"
    for namespace, texts in (("a", list(TEXTS)), ("b", list(TEXTS)[:1])):
        engine = make_engine(data / "namespaces" / namespace, RECORDED)
        engine.add([DocumentInput(text=t, id=f"{namespace}{i}") for i, t in enumerate(texts)])
        engine.close()
    log = AppliedLog(data / "log-positions")
    log.save("a", "1700000000000-3", {"a0": (3, False), "gone": (2, True)}, 1)
    log.save("b", "1700000000000-9", {"b0": (9, False)}, None)
    log.close()
    cache = SqliteFile(data / "cache" / "embeddings.sqlite", ["CREATE TABLE t (k TEXT)"])
    cache.write("INSERT INTO t VALUES ('kept')")
    cache.close()
    return data


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data directory for the module: snapshots only read it (each takes and releases its locks)."""
    return build_data_dir(tmp_path_factory.mktemp("source"))


def state(data: Path, namespace: str) -> tuple[object, ...]:
    """What a namespace's engine serves: documents, graph, a ranking."""
    engine = make_engine(data / "namespaces" / namespace, RECORDED)
    try:
        ranking = engine.rank("Who worked with Charles Babbage?", RetrievalParams(top_k=3))
        return engine.list_documents(), graph_signature(engine), ranking_signature(ranking)
    finally:
        engine.close()


def positions(data: Path, namespace: str) -> tuple[str, dict[str, tuple[int, bool]], int]:
    log = AppliedLog(data / "log-positions")
    try:
        order = log.order(namespace)
        return log.position(namespace), dict(order.last), order.low
    finally:
        log.close()


def test_a_restored_data_directory_serves_the_same_memory_and_resumes_at_the_same_positions(tmp_path, data):
    manifest = write_snapshot(data, tmp_path / "all.tar")
    restored = tmp_path / "restored"
    restore_snapshot(tmp_path / "all.tar", restored)
    for namespace in ("a", "b"):
        assert state(restored, namespace) == state(data, namespace)
        assert positions(restored, namespace) == positions(data, namespace)
    assert manifest.positions == {"a": "1700000000000-3", "b": "1700000000000-9"}
    cache = SqliteFile(restored / "cache" / "embeddings.sqlite", [])
    assert cache.read("SELECT k FROM t") == [("kept",)]
    cache.close()


def test_sparse_store_files_are_archived_by_their_data_and_restored_with_their_holes(tmp_path, data):
    write_snapshot(data, tmp_path / "all.tar")
    restore_snapshot(tmp_path / "all.tar", tmp_path / "restored")
    apparent = sum(f.stat().st_size for f in (data / "namespaces").rglob("*") if f.is_file())
    assert (tmp_path / "all.tar").stat().st_size < apparent / 20  # holes are not stored as zeros
    for original in (data / "namespaces").rglob("*"):
        if original.is_file() and original.name != "owner.lock":
            copy = tmp_path / "restored" / original.relative_to(data)
            assert stored(copy) == stored(original), original
            assert copy.stat().st_blocks <= original.stat().st_blocks + 8, original  # holes stay holes


def stored(path: Path) -> tuple[int, list[tuple[int, bytes]]]:
    """A file's size and its data segments' bytes (holes read as zeros; reading only the data is faster)."""
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        segments = data_segments(handle.fileno(), size)
        return size, [(o, os.pread(handle.fileno(), n, o)) for o, n in segments]


def test_a_namespace_snapshot_holds_that_namespace_and_its_position_alone(tmp_path, data):
    write_snapshot(data, tmp_path / "a.tar", namespace="a")
    restored = tmp_path / "restored"
    manifest = restore_snapshot(tmp_path / "a.tar", restored)
    assert manifest.namespace == "a" and manifest.positions == {"a": "1700000000000-3"}
    assert [p.name for p in (restored / "namespaces").iterdir()] == ["a"]
    assert state(restored, "a") == state(data, "a")
    # b's position is not carried: an applier on the restored folder must not start b's log mid-way
    assert positions(restored, "b")[0] == "0-0" and positions(restored, "a") == positions(data, "a")
    assert not (restored / "cache").exists()  # caches hold every namespace's text


def test_a_store_open_in_a_process_refuses_the_snapshot_and_writes_no_file(tmp_path, data):
    (tmp_path / "out").mkdir()
    engine = make_engine(data / "namespaces" / "b", RECORDED)  # b's writer is running
    try:
        with pytest.raises(StorageError, match="namespace 'b' is open in another process"):
            write_snapshot(data, tmp_path / "out" / "all.tar")
        write_snapshot(data, tmp_path / "out" / "a.tar", namespace="a")  # another namespace can be taken
    finally:
        engine.close()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.tar"]  # no partial file left


def test_restore_refuses_a_folder_that_is_not_empty_and_leaves_it_alone(tmp_path, data):
    write_snapshot(data, tmp_path / "all.tar")
    target = tmp_path / "target"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    with pytest.raises(SnapshotError, match="is not empty"):
        restore_snapshot(tmp_path / "all.tar", target)
    assert [p.name for p in target.iterdir()] == ["notes.txt"]


# --- hostile and damaged archives -------------------------------------------------------------------


def checksum(content: bytes) -> str:
    digest = SegmentDigest()
    if content:
        digest.segment(0, len(content))
        digest.data(content)
    return digest.hexdigest()


def manifest_of(files: dict[str, bytes], version: int = 1) -> bytes:
    listed = tuple(SnapshotFile(p, len(c), checksum(c)) for p, c in files.items())
    body = Manifest("2026-01-01T00:00:00Z", None, (), {}, listed).to_json()
    return body.replace(b'"version": 1', f'"version": {version}'.encode())


def member(
    name: str, content: bytes = b"", kind: bytes = tarfile.REGTYPE, link: str = ""
) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.size = kind, link, len(content) if kind == tarfile.REGTYPE else 0
    return info, content


def write_tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for info, content in members:
            tar.addfile(info, io.BytesIO(content) if info.isreg() else None)
    return path


GOOD = {"log-positions/a": b"1-0", "notes/readme.txt": b"hello"}


def good_members(files: dict[str, bytes] = GOOD) -> list[tuple[tarfile.TarInfo, bytes]]:
    return [member(f"data/{p}", c) for p, c in files.items()]


HOSTILE = {
    "path traversal": ([*good_members(), member("data/../../escaped.txt", b"x")], "not a plain relative path"),
    "absolute name": ([member("/tmp/escaped.txt", b"x"), *good_members()], "outside the snapshot's data/ folder"),
    "symbolic link": ([member("data/link", kind=tarfile.SYMTYPE, link="/etc/passwd")], "is a link"),
    "hard link": ([member("data/link", kind=tarfile.LNKTYPE, link="data/notes/readme.txt")], "is a link"),
    "device": ([member("data/dev", kind=tarfile.CHRTYPE)], "device or pipe"),
    "checksum mismatch": (
        [member("data/log-positions/a", b"9-9"), member("data/notes/readme.txt", b"hello")],
        "checksum mismatch for 'log-positions/a'",
    ),
    "unknown version": ([*good_members(), member("manifest.json", manifest_of(GOOD, version=99))], "version '99'"),
    "member not listed": (
        [*good_members({**GOOD, "extra": b"?"}), member("manifest.json", manifest_of(GOOD))],
        "'extra' is not in the snapshot's manifest",
    ),
    "listed file missing": (
        [*good_members({"log-positions/a": b"1-0"}), member("manifest.json", manifest_of(GOOD))],
        "lacks 'notes/readme.txt'",
    ),
    "member after the manifest": (
        [*good_members(), member("manifest.json", manifest_of(GOOD)), member("data/late", b"x")],
        "after its manifest",
    ),
    "no manifest": (good_members(), "has no manifest"),
    "manifest naming a namespace with a path": (
        [
            *good_members(),
            member("manifest.json", manifest_of(GOOD).replace(b'"namespace": null', b'"namespace": "../x"')),
        ],
        "has one of the wrong kind",
    ),
    "manifest of something else": ([member("manifest.json", b'{"format": "zip"}')], "not a memrag snapshot"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_or_damaged_archive_is_refused_and_nothing_is_restored(tmp_path, case):
    members, expected = HOSTILE[case]
    if case == "checksum mismatch":
        members = [*members, member("manifest.json", manifest_of(GOOD))]
    archive = write_tar(tmp_path / "evil.tar", members)
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(SnapshotError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        restore_snapshot(archive, work / "target")
    assert os.listdir(work) == []  # no target, no half-restored hidden folder
    assert not (tmp_path / "escaped.txt").exists() and not Path("/tmp/escaped.txt").exists()


def test_the_hand_built_good_archive_restores(tmp_path):
    """The hostile cases differ from this one by their one fault: this proves that fault is what is refused."""
    archive = write_tar(tmp_path / "good.tar", [*good_members(), member("manifest.json", manifest_of(GOOD))])
    restore_snapshot(archive, tmp_path / "target")
    assert (tmp_path / "target" / "notes" / "readme.txt").read_bytes() == b"hello"


def test_a_truncated_archive_is_refused(tmp_path, data):
    write_snapshot(data, tmp_path / "all.tar")
    whole = (tmp_path / "all.tar").read_bytes()
    (tmp_path / "cut.tar").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(SnapshotError, match="truncated"):
        restore_snapshot(tmp_path / "cut.tar", tmp_path / "target")
    assert not (tmp_path / "target").exists()


def test_the_commands_report_success_and_refusals_without_a_traceback(tmp_path, data, capsys):
    assert main(["snapshot", "--data-dir", str(data), "--out", str(tmp_path / "all.tar.gz")]) == 0
    assert "a: log applied up to entry 1700000000000-3" in capsys.readouterr().out
    assert main(["restore", "--from", str(tmp_path / "all.tar.gz"), "--data-dir", str(tmp_path / "r")]) == 0
    assert state(tmp_path / "r", "a") == state(data, "a")  # a compressed archive restores the same
    capsys.readouterr()
    assert main(["restore", "--from", str(tmp_path / "all.tar.gz"), "--data-dir", str(tmp_path / "r")]) == 2
    assert (
        main(["restore", "--from", str(data / "cache" / "embeddings.sqlite"), "--data-dir", str(tmp_path / "x")]) == 2
    )
    assert main(["snapshot", "--data-dir", str(data), "--out", str(data / "inside.tar")]) == 2
    err = capsys.readouterr().err
    assert "is not empty" in err and "cannot be read as a tar file" in err and "inside the data directory" in err
    assert "Traceback" not in err


def test_a_link_inside_the_data_directory_refuses_the_snapshot_naming_it(tmp_path):
    data = tmp_path / "data"
    (data / "cache").mkdir(parents=True)
    (data / "cache" / "elsewhere").symlink_to(tmp_path)  # copying through it would archive files outside
    with pytest.raises(SnapshotError, match="'cache/elsewhere', which is not a plain file or folder"):
        write_snapshot(data, tmp_path / "out.tar")
    assert not (tmp_path / "out.tar").exists()
