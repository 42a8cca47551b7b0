"""schemathesis against the live OpenAPI spec: no 5xx, no schema or status-code violations, ≥ 500 requests."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.api.live import ADMIN_KEY

CONFIG = Path(__file__).with_name("schemathesis.toml")
CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance"


@pytest.mark.skipif(
    shutil.which("schemathesis", path=str(Path(sys.executable).parent)) is None,
    reason="schemathesis is a dev dependency",
)
def test_generated_requests_find_no_server_error_and_no_schema_violation(live, tmp_path):
    with live.client(ADMIN_KEY) as admin:
        admin.post("/v1/namespaces", json={"name": "fuzz"}).raise_for_status()
    cli = Path(sys.executable).parent / "schemathesis"
    done = subprocess.run(
        [
            str(cli),
            "--config-file",
            str(CONFIG),
            "run",
            f"{live.url}/openapi.json",
            "-H",
            f"Authorization: Bearer {ADMIN_KEY}",
            "-c",
            CHECKS,
            "-n",
            "40",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,  # its cache folder goes there, not into the checkout
    )
    assert done.returncode == 0, done.stdout[-4000:]
    counted = re.search(r"(\d+) generated", done.stdout)
    assert counted is not None, done.stdout[-2000:]
    generated = int(counted.group(1))
    assert generated >= 500, done.stdout[-2000:]
    assert httpx.get(f"{live.url}/healthz").status_code == 200
