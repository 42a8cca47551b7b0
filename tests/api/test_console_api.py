"""The console's HTTP side on a live server: its page and assets under a strict CSP with nothing else
reachable, the namespace stats it shows, and every asset listed as package data (so the wheel has it)."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

import pytest

from tests.api.live import Live

pytestmark = pytest.mark.model
ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "api" / "console"


def test_page_and_assets_carry_a_strict_csp(live: Live) -> None:
    with live.client() as c:
        page = c.get("/console/")
        script = c.get("/console/console.js")
        assert c.get("/console", follow_redirects=False).headers["location"] == "/console/"
        heads = [c.head("/console/"), c.head("/console/console.js")]  # link checkers and proxies ask HEAD
    assert [h.status_code for h in heads] == [200, 200] and all(
        "default-src 'self'" in h.headers["content-security-policy"] for h in heads
    )
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    for response in (page, script):
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
    html = page.text
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "an inline script would be blocked by the CSP"
    assert not re.search(r"\sstyle=|<style", html), "inline styles would be blocked by the CSP"
    assert not re.search(r"https?://", html), "the page must load nothing from another origin"


@pytest.mark.parametrize("name", ["routes_console.py", "..%2Fapp.py", "..%2F..%2Fpyproject.toml", "index.htm"])
def test_nothing_but_the_assets_is_served(live: Live, name: str) -> None:
    with live.client() as c:
        response = c.get(f"/console/{name}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "/work" not in response.text and "api/" not in response.text


def test_stats_count_what_the_namespace_holds(live: Live) -> None:
    ns, key = live.namespace_with_key()
    _, other_key = live.namespace_with_key()
    docs = [
        {"id": "a", "text": "The Tarnholm lighthouse was designed by Ingrid Vale in 1893."},
        {"id": "b", "text": "Ingrid Vale was born in Bergen."},
    ]
    with live.client(key) as c:
        assert c.get(f"/v1/namespaces/{ns}/stats").json()["documents"] == 0
        job = c.post(f"/v1/namespaces/{ns}/documents", json={"documents": docs}).json()
        assert live.wait_job(key, job["job_id"])["status"] == "done"
        stats = c.get(f"/v1/namespaces/{ns}/stats").json()
    assert stats["documents"] == 2 and stats["passages"] == 2
    assert stats["entities"] >= 3 and stats["facts"] >= 1  # Ingrid Vale links the two passages
    assert stats["quarantined"] == 0
    with live.client(other_key) as c:
        assert c.get(f"/v1/namespaces/{ns}/stats").status_code == 404  # another namespace's key sees nothing


def test_every_asset_is_package_data() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["memrag.api"]
    shipped = [p.relative_to(ASSETS.parent).as_posix() for p in ASSETS.iterdir()]
    assert {"console/index.html", "console/console.js", "console/app.css"} <= set(shipped)
    missing = [f for f in shipped if not any(fnmatch.fnmatch(f, pattern) for pattern in patterns)]
    assert missing == [], "these console files would be left out of the wheel"
