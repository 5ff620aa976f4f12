"""`make run` shows a newcomer sessions being classified and the metrics filling."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.support import ROOT

pytestmark = pytest.mark.integration


def test_demo_classifies_sessions_and_fills_metrics(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "streams.cli", "demo", "--duration", "20", "--workdir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert re.search(r"metrics\s+http://127\.0\.0\.1:\d+/metrics", out.stdout)
    last = [line for line in out.stdout.splitlines() if line.startswith("[")][-1]
    classified = int(re.search(r"classified ([\d,]+)", last).group(1).replace(",", ""))
    assert classified > 50, out.stdout
    assert re.search(r"last hour: \w+ \d+%", last) and "verified success" in last
