"""Headless Chromium (the OS package) under Selenium, or a skip naming what is missing."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"
AXE = Path(__file__).with_name("axe.min.js")  # vendored by scripts/build_console.sh; injected by tests only


def chromium_paths() -> tuple[str, str]:
    """The browser and its driver, or pytest.skip saying what to install."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not browser or not driver:
        pytest.skip("Chromium is not installed: apt-get install chromium chromium-driver (.ci/run does)")
    return browser, driver


def start_chrome(width: int = 1280, height: int = 1000) -> Any:
    """A headless Chromium with WebGL (SwiftShader when there is no GPU) and its console log kept."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e .[dev])")
    browser, driver = chromium_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        f"--window-size={width},{height}",
        "--use-angle=swiftshader",
        "--enable-unsafe-swiftshader",  # software WebGL for sigma.js on machines without a GPU
        "--disable-extensions",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=webdriver.ChromeService(executable_path=driver), options=options)


def run_axe(driver: Any) -> list[dict[str, Any]]:
    """axe-core's violations of the page as it is now (WCAG 2 A/AA rules and best practices)."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    driver.set_script_timeout(60)
    result: dict[str, Any] = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then((r) => done(r), (e) => done({error: String(e)}));"
    )
    if "error" in result:
        raise AssertionError(f"axe-core failed: {result['error']}")
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def serious(violations: list[dict[str, Any]]) -> list[str]:
    """The serious and critical ones, each as 'rule: first offending element'."""
    return [
        f"{v['id']}: {v['nodes'][0]['target'] if v['nodes'] else ''} {v['help']}"
        for v in violations
        if v.get("impact") in ("serious", "critical")
    ]


def screenshot(driver: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path
