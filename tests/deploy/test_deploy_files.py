"""deploy/ validates offline: compose files, HAProxy config, Kubernetes objects, Dockerfile, alert rules,
Prometheus config, the dashboard's and alerts' metric names against what the API exports, and the entrypoint.

Tools that are not installed skip their test with the reason (install lines: deploy/README.md, "CI").
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
MONITORING = DEPLOY / "monitoring"
NOT_OBJECTS = ("kustomization.yaml", "qdrant-values.yaml")  # kustomize's file, and Helm values for Qdrant's chart

# Metric families the API exports (name as prometheus_client registers it → type; deploy/README.md, "Metrics").
EXPORTED = {
    "memrag_http_requests": "counter",
    "memrag_http_request_seconds": "histogram",
    "memrag_jobs_submitted": "counter",
    "memrag_ready": "gauge",
    "memrag_jobs_queue_depth": "gauge",
    "memrag_jobs_finished": "counter",
    "memrag_log_lag_entries": "gauge",
    "memrag_graph_nodes": "gauge",
    "process_resident_memory_bytes": "gauge",
    "process_cpu_seconds": "counter",
}
JOB_STREAM, JOB_GROUP = "memrag:jobs", "workers"  # Redis stream of jobs and its consumer group
PROMETHEUS_SYNTHETIC = {"up"}  # made by Prometheus for every scrape target
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


def sample_names(families: dict[str, str]) -> set[str]:
    """The series names a family of each type shows in PromQL (counters get `_total`, histograms three)."""
    return {name + suffix for name, kind in families.items() for suffix in SUFFIXES[kind]}


ALLOWED = sample_names(EXPORTED) | PROMETHEUS_SYNTHETIC
PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset"}


def metric_names(expr: str) -> set[str]:
    """Metric names an expression selects: identifiers that are not functions, keywords, labels or numbers."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # string literals
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", "", text)  # ranges and subqueries
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)  # label lists
    text = re.sub(r"\$\{?\w+\}?", "", text)  # Grafana variables
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        before = text[match.start() - 1] if match.start() else " "
        if before.isdigit() or before == ".":  # 1e-9, 5m
            continue
        if text[match.end() :].lstrip().startswith("(") or match.group().lower() in PROMQL_WORDS:
            continue
        names.add(match.group())
    return names


def dashboard_exprs() -> list[str]:
    dashboard = json.loads((MONITORING / "dashboard.json").read_text())
    return [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]


def alert_exprs() -> list[str]:
    rules = yaml.safe_load((MONITORING / "alerts.yml").read_text())
    return [str(r["expr"]) for g in rules["groups"] for r in g["rules"]]


def tool(name: str) -> str:
    """Path of a command-line tool (PATH or this interpreter's bin/), or skip."""
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if not found:
        pytest.skip(f"{name} is not installed (deploy/README.md, 'CI', says how)")
    return found


def run(command: list[str], cwd: Path = DEPLOY) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout}\n{done.stderr}"
    return done


def yaml_docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def k8s_objects() -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted(K8S.glob("*.yaml")):
        if path.name in NOT_OBJECTS:
            continue
        for doc in yaml_docs(path):
            yield path.name, doc


def find(kind: str, name: str) -> dict[str, Any]:
    for _, obj in k8s_objects():
        if obj["kind"] == kind and obj["metadata"]["name"] == name:
            return obj
    raise AssertionError(f"no {kind} {name} in deploy/k8s")


# ---------------------------------------------------------------- PromQL parsing


def test_metric_names_are_parsed_from_promql() -> None:
    assert metric_names('sum by (le, route) (rate(a_bucket{route=~"x(y)"}[$__rate_interval]))') == {"a_bucket"}
    assert metric_names("(sum(b) or vector(0)) < 1e-9") == {"b"}
    assert metric_names('c == 0 or up{job=~"m.*"} == 0') == {"c", "up"}
    assert metric_names("max(increase(d_total[15m] offset 5m)) / ignoring(x) e") == {"d_total", "e"}


# ---------------------------------------------------------------- monitoring


def test_dashboard_parses_and_names_only_known_metrics() -> None:
    exprs = dashboard_exprs()
    assert len(exprs) >= 10
    used = set().union(*(metric_names(e) for e in exprs))
    assert used, "no metric found in the dashboard's queries"
    assert used <= ALLOWED, f"unknown metrics in dashboard.json: {sorted(used - ALLOWED)}"


def test_alerts_name_only_known_metrics() -> None:
    used = set().union(*(metric_names(e) for e in alert_exprs()))
    assert used <= ALLOWED, f"unknown metrics in alerts.yml: {sorted(used - ALLOWED)}"
    tests = yaml.safe_load((MONITORING / "alerts_test.yml").read_text())
    series = {s["series"].split("{")[0] for t in tests["tests"] for s in t["input_series"]}
    assert series <= ALLOWED, f"unknown metrics in alerts_test.yml: {sorted(series - ALLOWED)}"


def test_alert_rules_pass_promtool() -> None:
    promtool = tool("promtool")
    run([promtool, "check", "rules", "monitoring/alerts.yml"])
    run([promtool, "test", "rules", "monitoring/alerts_test.yml"])


def test_prometheus_config_passes_promtool(tmp_path: Path) -> None:
    """Debian's promtool is built without Kubernetes discovery: its jobs are checked by shape, the rest by promtool."""
    promtool = tool("promtool")
    config = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    jobs = config["scrape_configs"]
    assert {j["job_name"] for j in jobs} == {"memrag-api", "memrag-api-compose"}
    kube = [j for j in jobs if "kubernetes_sd_configs" in j]
    assert kube and all(j["kubernetes_sd_configs"][0]["role"] == "pod" for j in kube)
    config["scrape_configs"] = [j for j in jobs if "kubernetes_sd_configs" not in j]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    shutil.copy(MONITORING / "alerts.yml", tmp_path / "alerts.yml")
    run([promtool, "check", "config", str(tmp_path / "prometheus.yml")], cwd=tmp_path)


def live_families(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Family name → type from /metrics of the app built in-process (embedded default, no Redis)."""
    from fastapi.testclient import TestClient
    from prometheus_client.parser import text_string_to_metric_families

    for name in ("MEMRAG_REDIS_URL", "MEMRAG_QDRANT_URL", "MEMRAG_LLM_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MEMRAG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MEMRAG_ADMIN_KEY", "deploy-test-admin-key-0123456789")
    create_app = import_first("memrag.api.app", "api.app").create_app
    with TestClient(create_app()) as client:
        assert client.get("/healthz").status_code == 200
        exposition = client.get("/metrics").text
    return {f.name: f.type for f in text_string_to_metric_families(exposition)}


def import_first(*modules: str) -> Any:
    """The first of these modules that imports (the package layout has moved before)."""
    for name in modules:
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError:
            continue
    raise AssertionError(f"none of {modules} can be imported: update the names here")


def test_metrics_the_files_use_are_exported_live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    live = live_families(tmp_path, monkeypatch)
    gone = {name: kind for name, kind in EXPORTED.items() if live.get(name) != kind}
    assert not gone, f"the API no longer exports {gone}: fix deploy/monitoring or EXPORTED"


# ---------------------------------------------------------------- compose and the load balancer


@pytest.mark.parametrize("compose_file", ["compose.yaml", "compose.replicas.yaml", "compose.scaled.yaml"])
def test_compose_file_validates(compose_file: str) -> None:
    docker_compose = tool("docker-compose")
    run([docker_compose, "-f", compose_file, "--profile", "monitoring", "config", "--quiet"])


def test_scaled_compose_has_the_topology() -> None:
    services = yaml.safe_load((DEPLOY / "compose.scaled.yaml").read_text())["services"]
    assert re.fullmatch(r"qdrant/qdrant:v\d+\.\d+\.\d+", services["qdrant"]["image"])
    assert "--appendonly" in services["redis"]["command"]
    assert services["writer"]["command"][:4] == ["memrag", "worker", "--apply", "--no-prepare"]
    assert services["writer"]["deploy"]["replicas"] == 1
    assert services["worker"]["command"] == ["memrag", "worker"]
    api_env = services["api"]["environment"]
    assert api_env["MEMRAG_QDRANT_URL"] and api_env["MEMRAG_REDIS_URL"]
    assert api_env["MEMRAG_ADMIN_KEY_FILE"].startswith("/run/secrets/")
    assert services["lb"]["image"].startswith("haproxy:")


def test_replicas_compose_gives_each_replica_its_own_store() -> None:
    services = yaml.safe_load((DEPLOY / "compose.replicas.yaml").read_text())["services"]
    replicas = [name for name in services if name.startswith("api")]
    assert len(replicas) >= 2
    volumes = [services[name]["volumes"][0].split(":")[0] for name in replicas]
    assert len(set(volumes)) == len(replicas)  # a shared store would be applied by two processes at once
    for name in replicas:
        assert services[name]["networks"]["default"]["aliases"] == ["api"]  # haproxy.cfg's server-template
        env = services[name]["environment"]
        assert env["MEMRAG_REDIS_URL"] and "MEMRAG_QDRANT_URL" not in env  # each applies the log to its own store
    assert "qdrant" not in services
    assert services["worker"]["command"] == ["memrag", "worker"]  # prepares only
    assert services["spare"]["command"] == ["memrag", "worker", "--apply", "--no-prepare", "--consumer", "writer"]
    assert services["spare"]["volumes"][0].split(":")[0] not in volumes
    assert "--appendonly" in services["redis"]["command"]
    assert services["lb"]["image"].startswith("haproxy:")


def test_haproxy_config_is_valid() -> None:
    run([tool("haproxy"), "-c", "-f", "haproxy.cfg"])


# ---------------------------------------------------------------- Kubernetes


@pytest.mark.parametrize("path", sorted(p.name for p in K8S.glob("*.yaml") if p.name not in NOT_OBJECTS))
def test_kubernetes_objects_validate(path: str) -> None:
    try:
        import kubernetes_validate
    except ImportError:
        pytest.skip("kubernetes-validate is not installed (deploy/README.md, 'CI')")
    version = kubernetes_validate.latest_version()
    for doc in yaml_docs(K8S / path):
        if doc["apiVersion"].startswith("keda.sh/"):
            continue  # a CRD: test_keda_scaled_object checks it
        kubernetes_validate.validate(doc, version, strict=True)


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    assert all((K8S / name).exists() for name in listed)
    examples = set(NOT_OBJECTS) | {p.name for p in K8S.glob("*.example.yaml")}
    assert {p.name for p in K8S.glob("*.yaml")} - examples == listed


def test_keda_scaled_object() -> None:
    scaled = find("ScaledObject", "memrag-worker")
    assert scaled["spec"]["scaleTargetRef"]["name"] == find("Deployment", "memrag-worker")["metadata"]["name"]
    triggers = scaled["spec"]["triggers"]
    assert {t["type"] for t in triggers} == {"redis-streams"}
    assert any("pendingEntriesCount" in t["metadata"] for t in triggers)
    for trigger in triggers:
        assert trigger["metadata"]["stream"] == JOB_STREAM
        assert trigger["metadata"]["consumerGroup"] == JOB_GROUP
        assert find("TriggerAuthentication", trigger["authenticationRef"]["name"])


def test_job_stream_names_match_the_code() -> None:
    """The stream and group KEDA watches are the ones the workers read (wherever the module lives now)."""
    queue = import_first("memrag.ingest.redis_queue", "memrag.ingest.queue_redis", "ingest.queue_redis")
    assert (queue.JOBS, queue.GROUP) == (JOB_STREAM, JOB_GROUP)


def test_single_writer_and_probes() -> None:
    writer = find("Deployment", "memrag-writer")["spec"]
    assert writer["replicas"] == 1 and writer["strategy"]["type"] == "Recreate"
    assert "--apply" in writer["template"]["spec"]["containers"][0]["args"]
    api = find("Deployment", "memrag-api")["spec"]["template"]["spec"]["containers"][0]
    assert api["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"
    pdb = find("PodDisruptionBudget", "memrag-api")["spec"]["selector"]["matchLabels"]
    service = find("Service", "memrag-api")["spec"]["selector"]
    labels = find("Deployment", "memrag-api")["spec"]["template"]["metadata"]["labels"]
    assert pdb.items() <= labels.items() and service.items() <= labels.items()


def pod_specs() -> Iterator[tuple[str, dict[str, Any]]]:
    for _, obj in k8s_objects():
        if obj["kind"] in ("Deployment", "StatefulSet"):
            yield obj["metadata"]["name"], obj["spec"]["template"]["spec"]


def secret_refs(container: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for env in container.get("env", []):
        ref = env.get("valueFrom", {}).get("secretKeyRef")
        if ref:
            yield ref["name"], ref["key"]


def test_pods_have_resources_non_root_and_known_secret_keys() -> None:
    secret = yaml_docs(K8S / "secret.example.yaml")[0]
    keys = {(secret["metadata"]["name"], key) for key in secret["stringData"]}
    for name, spec in pod_specs():
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        for container in spec["containers"]:
            assert container["resources"]["requests"] and container["resources"]["limits"], name
            assert set(secret_refs(container)) <= keys, name


def test_only_the_api_takes_traffic_from_outside() -> None:
    policies = {o["metadata"]["name"]: o["spec"] for _, o in k8s_objects() if o["kind"] == "NetworkPolicy"}
    assert policies["default-deny-ingress"] == {"podSelector": {}, "policyTypes": ["Ingress"]}
    open_to_all = [n for n, p in policies.items() if any("from" not in rule for rule in p.get("ingress", []))]
    assert open_to_all == ["memrag-api-ingress"]
    assert policies["memrag-api-ingress"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "api"


# ---------------------------------------------------------------- image


def test_dockerfile_passes_hadolint() -> None:
    run([tool("hadolint"), "Dockerfile"])


def test_dockerfile_shape() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", text, re.M)) >= 2
    runtime = text.split("AS runtime", 1)[1]
    assert "torch" not in re.sub(r"#.*", "", runtime), "the runtime stage must not install torch"
    assert re.search(r"^USER \$\{UID\}", runtime, re.M) and "ARG UID=10001" in runtime
    assert re.search(r"^HEALTHCHECK .*\n.*/healthz", runtime, re.M)
    assert '"memrag", "serve", "--host", "0.0.0.0"' in runtime
    assert text.index("torch==${TORCH_VERSION}") < text.index("pip install /src")


def test_entrypoint_reads_secret_files_and_links_the_onnx_export(tmp_path: Path) -> None:
    (tmp_path / "key").write_text("a-very-secret-admin-key\n")
    baked = tmp_path / "baked" / "org__model" / "model.onnx"
    baked.parent.mkdir(parents=True)
    baked.write_bytes(b"onnx")
    env = {
        "PATH": os.environ["PATH"],
        "MEMRAG_ADMIN_KEY_FILE": str(tmp_path / "key"),
        "MEMRAG_DATA_DIR": str(tmp_path / "data"),
        "MEMRAG_EMBEDDING_MODEL": "org/model",
        "BAKED_ONNX_DIR": str(tmp_path / "baked"),
    }
    done = subprocess.run(["sh", str(DEPLOY / "entrypoint.sh"), "env"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "MEMRAG_ADMIN_KEY=a-very-secret-admin-key\n" in done.stdout
    assert "MEMRAG_ADMIN_KEY_FILE" not in done.stdout
    link = tmp_path / "data" / "cache" / "onnx" / "org__model" / "model.onnx"
    assert link.is_symlink() and link.resolve() == baked
    env["MEMRAG_LLM_API_KEY_FILE"] = str(tmp_path / "absent")
    done = subprocess.run(["sh", str(DEPLOY / "entrypoint.sh"), "env"], env=env, capture_output=True, text=True)
    assert done.returncode == 1 and "MEMRAG_LLM_API_KEY_FILE" in done.stderr


def test_prune_list_keeps_what_the_runtime_imports() -> None:
    done = run([sys.executable, str(DEPLOY / "prune_runtime.py")])
    dropped = set(done.stdout.split())
    assert {"torch", "sentence-transformers", "transformers"} & dropped or "torch" not in sys.modules
    kept = {"onnxruntime", "tokenizers", "numpy", "scipy", "fastapi", "uvicorn", "redis", "spacy", "qdrant-client"}
    assert not kept & dropped, f"the runtime needs {sorted(kept & dropped)}"


# ---------------------------------------------------------------- rehearsal (opt-in: ~2-3 minutes)


@pytest.mark.skipif(os.environ.get("MEMRAG_REHEARSAL") != "1", reason="MEMRAG_REHEARSAL=1 runs deploy/rehearse.sh")
def test_rehearsal_passes() -> None:
    for name in ("redis-server", "haproxy"):
        tool(name)
    env = {**os.environ, "PYTHON": sys.executable}
    done = subprocess.run(["bash", str(DEPLOY / "rehearse.sh")], env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "all checks passed" in done.stdout
