"""The web console in headless Chromium against a live memrag: sign in, add two documents (pasted, and
uploaded to the server's loaders), watch the jobs finish, ask, see the answer stream, open a citation's
passage and its graph, reload and find the jobs listed by the server; axe-core finds no serious
accessibility violation and the page breaks no CSP rule."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.api.live import Live
from tests.browser.chrome import run_axe, screenshot, serious

pytestmark = pytest.mark.model

LIGHTHOUSE = "The Tarnholm lighthouse was designed by Ingrid Vale in 1893. It stands on the northern cape."
HARBOUR = "Ingrid Vale was born in Bergen. She later built the harbour of Oslo."
QUESTION = "Who designed the Tarnholm lighthouse?"


def wait_for(driver: Any, condition: str, timeout: float = 60) -> Any:
    """Waits until the JavaScript expression `condition` is truthy, and returns its value."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: d.execute_script(f"return {condition}"))


def by_id(driver: Any, element_id: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, element_id)


def csp_violations(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"]]


def shown_counts(driver: Any) -> dict[str, str]:
    """The Overview's figures as shown (label → text), once they have loaded."""
    wait_for(driver, "document.querySelectorAll('#stats dd').length === 10", timeout=180)  # opens the namespace
    pairs: list[list[str]] = driver.execute_script(
        "return [...document.querySelectorAll('#stats .stat')]"
        ".map(s => [s.firstChild.textContent, s.lastChild.textContent])"
    )
    return {label: value for label, value in pairs}


def fresh_page(driver: Any, live: Live) -> None:
    """The console signed out: the tab's session storage cleared."""
    driver.get(f"{live.url}/console/")
    for _ in range(5):  # a sign-in still in flight on the old page can write the key back after a clear
        driver.execute_script("sessionStorage.clear()")
        driver.refresh()
        if driver.execute_script("return sessionStorage.length === 0 && !document.getElementById('sign-in').hidden"):
            return
        time.sleep(0.5)
    raise AssertionError("the console stayed signed in after its session storage was cleared")


def sign_in(driver: Any, live: Live, key: str) -> None:
    fresh_page(driver, live)
    by_id(driver, "key").send_keys(key)
    by_id(driver, "sign-in-form").submit()
    wait_for(driver, "!document.getElementById('app').hidden")


def add_two_documents(driver: Any, tmp_path: Path) -> None:
    by_id(driver, "tab-documents").click()
    by_id(driver, "doc-id").send_keys("lighthouse")
    by_id(driver, "doc-title").send_keys("Tarnholm lighthouse")
    by_id(driver, "doc-text").send_keys(LIGHTHOUSE)
    by_id(driver, "add-form").submit()
    upload = tmp_path / "harbour.md"
    upload.write_text(f"# Harbour\n\n{HARBOUR}\n", encoding="utf-8")
    wait_for(driver, "document.getElementById('add-status').textContent.startsWith('Queued')")
    by_id(driver, "files").send_keys(str(upload))
    by_id(driver, "upload-form").submit()
    wait_for(driver, "document.getElementById('add-status').textContent.startsWith('harbour.md: queued 1')")
    wait_for(driver, "document.querySelectorAll('#jobs li.job.done').length === 2", timeout=120)
    wait_for(
        driver,
        "document.querySelectorAll('#docs tbody tr').length === 2 && "
        "document.querySelector('#docs tbody').textContent.includes('harbour.md')",
    )


def jobs_after_a_reload(driver: Any) -> list[str]:
    """The Documents tab's job list as the server gives it after the page is loaded again (the key kept)."""
    driver.refresh()
    wait_for(driver, "!document.getElementById('app').hidden")
    by_id(driver, "tab-documents").click()
    wait_for(driver, "document.querySelectorAll('#jobs li.job').length > 0")
    items: list[str] = driver.execute_script(
        "return [...document.querySelectorAll('#jobs li.job')].map(li => li.className + ' | ' + li.textContent)"
    )
    return items


def ask_and_count_pieces(driver: Any) -> int:
    """Asks in the page; returns how many answer pieces (SSE `answer` events) it showed before the whole answer."""
    by_id(driver, "tab-ask").click()
    by_id(driver, "question").send_keys(QUESTION)
    by_id(driver, "ask-form").submit()
    wait_for(driver, "document.getElementById('ask-status').textContent.startsWith('Answered')")
    return int(by_id(driver, "answer").get_attribute("data-deltas") or 0)


def test_add_ask_cite_and_see_the_graph(live: Live, chrome: Any, tmp_path: Path) -> None:
    ns, key = live.namespace_with_key()
    sign_in(chrome, live, key)
    assert by_id(chrome, "namespace").get_attribute("value") == ns
    assert chrome.execute_script("return sessionStorage.getItem('memrag.key')") == key
    assert chrome.execute_script("return localStorage.length + document.cookie.length") == 0
    assert shown_counts(chrome)["Documents"] == "0"
    screenshot(chrome, "1-signed-in")

    add_two_documents(chrome, tmp_path)
    chrome.execute_script("document.getElementById('jobs').scrollIntoView({block: 'start'})")  # jobs and documents
    screenshot(chrome, "2-documents")

    pieces = ask_and_count_pieces(chrome)
    assert pieces >= 2, "the answer did not arrive as a stream of pieces"  # the offline reader streams word by word
    assert "Ingrid Vale" in by_id(chrome, "answer").text
    citation = wait_for(chrome, "document.querySelector('#citations button.citation')")
    assert "lighthouse" in citation.text
    citation.click()
    wait_for(chrome, "!document.getElementById('passage-box').hidden")
    assert LIGHTHOUSE in by_id(chrome, "passage-text").text
    wait_for(
        chrome,
        "document.querySelector('#passage-graph canvas') && document.getElementById('passage-graph').dataset.nodes",
    )
    assert int(by_id(chrome, "passage-graph").get_attribute("data-nodes")) >= 3  # the passage and its entities
    assert "ingrid vale" in by_id(chrome, "passage-paths").text.lower() + by_id(chrome, "passage-facts").text.lower()
    wait_for(chrome, "document.querySelector('#passage-facts li')")
    chrome.execute_script("document.getElementById('passage-graph').scrollIntoView({block: 'end'})")
    screenshot(chrome, "3-answer-citation-graph")

    assert serious(run_axe(chrome)) == []
    assert csp_violations(chrome) == []

    jobs = jobs_after_a_reload(chrome)
    assert len(jobs) == 2 and all(j.startswith("job done") for j in jobs), jobs
    assert "harbour.md: done — 1 indexed" in jobs[0] and "Tarnholm lighthouse: done" in jobs[1]  # newest first
    screenshot(chrome, "4-jobs-after-reload")
    assert serious(run_axe(chrome)) == []

    by_id(chrome, "tab-overview").click()
    wait_for(chrome, "document.querySelector('#stats dd') && document.querySelector('#stats dd').textContent === '2'")
    counts = shown_counts(chrome)
    assert counts["Passages"] == "2" and int(counts["Entities"]) >= 3
    assert (counts["Jobs done"], counts["Jobs waiting"], counts["Jobs failed"]) == ("2", "0", "0")
    screenshot(chrome, "5-overview")


def test_overview_counts_and_a_wrong_key(live: Live, chrome: Any) -> None:
    fresh_page(chrome, live)
    by_id(chrome, "key").send_keys("not-a-key")
    by_id(chrome, "sign-in-form").submit()
    wait_for(chrome, "document.getElementById('sign-in-error').textContent")
    assert "not known" in by_id(chrome, "sign-in-error").text
    assert serious(run_axe(chrome)) == []
    screenshot(chrome, "0-wrong-key")


def test_graph_tab_draws_an_entity_and_recentres_from_the_list(live: Live, chrome: Any) -> None:
    ns, key = live.namespace_with_key()
    docs = [{"id": "lighthouse", "text": LIGHTHOUSE}, {"id": "harbour", "text": HARBOUR}]
    with live.client(key) as c:
        job = c.post(f"/v1/namespaces/{ns}/documents", json={"documents": docs}).json()
    assert live.wait_job(key, job["job_id"])["status"] == "done"
    sign_in(chrome, live, key)
    by_id(chrome, "tab-graph").click()
    by_id(chrome, "graph-kind").send_keys("an entity")
    by_id(chrome, "graph-centre").send_keys("Ingrid Vale")
    by_id(chrome, "graph-form").submit()
    wait_for(chrome, "/^\\d+ nodes/.test(document.getElementById('graph-status').textContent)")
    assert chrome.execute_script("return !!document.querySelector('#graph-main canvas')")
    passages = wait_for(
        chrome,
        "[...document.querySelectorAll('#graph-nodes button')].filter(b => b.textContent.startsWith('passage:'))",
    )
    assert len(passages) == 2  # Ingrid Vale is named in both documents
    by_id(chrome, "graph-nodes").find_element("xpath", "..").click()  # open the <details> list
    passages[0].click()
    wait_for(
        chrome,
        "document.getElementById('graph-kind').value === 'passage' && "
        "/^\\d+ nodes/.test(document.getElementById('graph-status').textContent)",
    )
    screenshot(chrome, "6-graph-tab")
    assert serious(run_axe(chrome)) == []
