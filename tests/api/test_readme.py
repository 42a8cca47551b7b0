"""The README's HTTP walkthrough, run verbatim against a live server."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.api.live import ADMIN_KEY

README = Path(__file__).resolve().parents[2] / "README.md"


def _walkthrough() -> str:
    text = README.read_text()
    block = re.search(r"<!-- walkthrough:.*?-->\s*```bash\n(.*?)```\s*<!-- /walkthrough -->", text, re.S)
    assert block, "README.md lost its walkthrough block"
    return block.group(1)


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="the walkthrough uses curl and jq")
def test_the_readme_walkthrough_gets_an_answer_citing_the_document(live):
    env = {**os.environ, "MEMRAG_URL": live.url, "MEMRAG_ADMIN_KEY": ADMIN_KEY}
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", _walkthrough()], env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr
    assert '"answer": "Ingrid Vale [1]"' in done.stdout  # the short offline answer, cited
    assert '"lighthouse"' in done.stdout.split('"cited"')[1]
    assert '"abstained": true' in done.stdout  # the capital of France is not in this memory
