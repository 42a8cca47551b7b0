"""The graph over real HTTP (uvicorn on loopback, a real engine on Qdrant Edge with recorded triples):
explanations behind `explain`, the bounded `/graph` neighbourhood, its 400s, and namespace isolation."""

import json
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.api.live import serving_in_thread
from tests.helpers import extractions, leaks, make_engine

ADMIN = "graph-api-admin-key-0123"
TABLE = {
    "Ingrid Vale designed the Tarnholm lighthouse.": [("Ingrid Vale", "designed", "Tarnholm lighthouse")],
    "The Tarnholm lighthouse stands on the northern cape.": [("Tarnholm lighthouse", "stands on", "northern cape")],
    "Seabirds nest on the northern cape every spring.": [("northern cape", "hosts", "seabirds")],
    "Ingrid Vale was born in Bergen.": [("Ingrid Vale", "born in", "Bergen")],
}
QUESTION = "Where does the lighthouse Ingrid Vale designed stand?"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("graph-api")
    with serving_in_thread(root, ADMIN, lambda ns: make_engine(root / ns, extractions(TABLE))) as url:
        yield url


def _namespace(url: str, name: str) -> str:
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30) as admin:
        admin.post("/v1/namespaces", json={"name": name}).raise_for_status()
        key: str = admin.post(f"/v1/namespaces/{name}/keys").json()["key"]
    return key


@pytest.fixture(scope="module")
def memory(server) -> tuple[httpx.Client, httpx.Client]:
    """A client of namespace `lights` (with the table indexed) and one of `other` (empty)."""
    lights = httpx.Client(base_url=server, headers={"Authorization": f"Bearer {_namespace(server, 'lights')}"})
    other = httpx.Client(base_url=server, headers={"Authorization": f"Bearer {_namespace(server, 'other')}"})
    docs = [{"id": f"d{i}", "text": text} for i, text in enumerate(TABLE)]
    job = lights.post("/v1/namespaces/lights/documents", json={"documents": docs}).json()["job_id"]
    deadline = time.monotonic() + 60
    while lights.get(f"/v1/jobs/{job}").json()["status"] not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert lights.get(f"/v1/jobs/{job}").json()["status"] == "done"
    return lights, other


def test_retrieve_and_ask_explain_each_passage_only_when_asked(memory):
    lights, _ = memory
    plain = lights.post("/v1/namespaces/lights/retrieve", json={"query": QUESTION, "top_k": 3}).json()
    assert all("explanation" not in hit for hit in plain["hits"])  # the response is unchanged without the flag
    body = lights.post("/v1/namespaces/lights/retrieve", json={"query": QUESTION, "top_k": 3, "explain": True}).json()
    assert [h["passage_id"] for h in body["hits"]] == [h["passage_id"] for h in plain["hits"]]
    for hit in body["hits"]:
        why = hit["explanation"]
        assert why["passage_id"] == hit["passage_id"] and why["paths"]
        assert sum(p["share"] for p in why["paths"]) + why["unattributed"] == pytest.approx(why["mass"], abs=1e-6)
        for path in why["paths"]:
            assert path["nodes"][-1]["id"] == hit["passage_id"] and len(path["edges"]) == len(path["nodes"]) - 1
    asked = lights.post("/v1/namespaces/lights/ask", json={"question": QUESTION, "explain": True}).json()
    assert {e["passage_id"] for e in asked["explanations"]} >= {c["passage_id"] for c in asked["citations"]}
    assert "explanations" not in lights.post("/v1/namespaces/lights/ask", json={"question": QUESTION}).json()
    streamed = lights.post("/v1/namespaces/lights/ask", json={"question": QUESTION, "explain": True, "stream": True})
    done = json.loads(streamed.text.strip().split("\n\n")[-1].split("data: ", 1)[1])
    assert done["explanations"] == asked["explanations"]  # the streamed answer's last event carries them too


def test_the_neighbourhood_of_a_passage_an_entity_and_a_question(memory):
    lights, _ = memory
    passage = lights.get("/v1/namespaces/lights/documents/d1").json()["passage_ids"][0]
    one = lights.get("/v1/namespaces/lights/graph", params={"passage": passage}).json()
    assert one["nodes"][0] == {"id": passage, "kind": "passage", "label": list(TABLE)[1]}
    assert sorted(n["label"] for n in one["nodes"][1:]) == ["northern cape", "tarnholm lighthouse"]
    assert {(e["kind"], e["weight"]) for e in one["edges"]} == {("context", 1.0), ("relation", 2.0)}
    wide = lights.get("/v1/namespaces/lights/graph", params={"entity": "Ingrid Vale", "hops": 3, "limit": 4}).json()
    assert wide["nodes"][0]["label"] == "ingrid vale" and len(wide["nodes"]) == 4 and wide["truncated"] is True
    ids = {n["id"] for n in wide["nodes"]}
    assert all({e["source"], e["target"]} <= ids for e in wide["edges"])
    asked = lights.get("/v1/namespaces/lights/graph", params={"question": QUESTION, "hops": 2}).json()
    assert {"ingrid vale", "tarnholm lighthouse"} <= {n["label"] for n in asked["nodes"]}


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({}, "exactly one"),
        ({"passage": "p", "entity": "e"}, "exactly one"),
        ({"entity": "bergen", "hops": 0}, "hops"),
        ({"entity": "bergen", "hops": 4}, "hops"),
        ({"entity": "bergen", "limit": 0}, "limit"),
        ({"entity": "bergen", "limit": 501}, "limit"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_bound(memory, params, named):
    lights, _ = memory
    answer = lights.get("/v1/namespaces/lights/graph", params=params)
    assert answer.status_code == 400 and answer.headers["content-type"] == "application/problem+json"
    assert named in answer.json()["detail"] and not leaks(answer.text)


def test_unknown_nodes_are_404_and_another_namespaces_key_sees_nothing(memory, server):
    lights, other = memory
    for params in ({"passage": "no-such-passage"}, {"entity": "nobody at all"}):
        assert lights.get("/v1/namespaces/lights/graph", params=params).status_code == 404
    assert lights.get("/v1/namespaces/lights/graph", params={"entity": "bergen", "hops": "x"}).status_code == 422
    theirs = other.get("/v1/namespaces/lights/graph", params={"entity": "Ingrid Vale"})
    missing = other.get("/v1/namespaces/no-such-ns/graph", params={"entity": "Ingrid Vale"})
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["detail"].replace("lights", "NS") == missing.json()["detail"].replace("no-such-ns", "NS")
    assert "ingrid" not in theirs.text.lower()
    assert httpx.get(f"{server}/v1/namespaces/lights/graph", params={"entity": "bergen"}).status_code == 401
    assert other.get("/v1/namespaces/other/graph", params={"entity": "Ingrid Vale"}).status_code == 404  # empty
