"""The hostile-input suite's server (restartable, its own data directory) and its summary line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hostile import tally
from tests.hostile.served import Served


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("hostile")
    server = Served(root / "data", model_cache, root / "serve.log")
    server.start()
    yield server
    server.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if tally.SENT:
        terminalreporter.section("hostile inputs")
        for line in tally.summary():
            terminalreporter.write_line(line)
