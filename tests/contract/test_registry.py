"""One contract for both key registries (SQLite for the embedded mode, Redis for replicas)."""

import pytest

from memrag.api.registry import RedisRegistry, SqliteRegistry, digest


@pytest.fixture(params=["sqlite", "redis"])
def registry(request, tmp_path):
    if request.param == "sqlite":
        found = SqliteRegistry(tmp_path / "registry.sqlite")
        yield found
        found.close()
    else:
        yield RedisRegistry(request.getfixturevalue("redis_client"))


def test_namespaces_are_created_once(registry):
    assert registry.create_namespace("a") is True
    assert registry.create_namespace("a") is False
    registry.create_namespace("b")
    assert registry.namespaces() == ["a", "b"] and registry.exists("a") and not registry.exists("c")


def test_keys_are_kept_as_digests_listed_by_id_and_revocable(registry):
    registry.create_namespace("a")
    first, second = registry.add_key("a"), registry.add_key("a")
    assert first != second and first.startswith("mr_")
    assert registry.namespace_of(first) == "a" and registry.namespace_of("mr_unknown") is None
    ids = [k.id for k in registry.keys("a")]
    assert ids == [digest(first)[:12], digest(second)[:12]] and first not in str(ids)
    assert registry.revoke("b", ids[0]) is False  # another namespace's id does nothing
    assert registry.revoke("a", ids[0]) is True and registry.revoke("a", ids[0]) is False
    assert registry.namespace_of(first) is None and registry.namespace_of(second) == "a"
    assert [k.id for k in registry.keys("a")] == ids[1:]
