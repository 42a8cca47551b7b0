"""Browser tests share the live server of tests/api (real MiniLM, offline extractor and reader) and one Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import live  # noqa: F401  (the fixture, re-exported for this folder)
from tests.browser.chrome import start_chrome


@pytest.fixture(scope="module")
def chrome() -> Iterator[Any]:
    driver = start_chrome()
    yield driver
    driver.quit()
