"""`sessionscope bench --quick`: the benchmark runs end to end and classifies every session.

No timing assertions: the speed targets are read from the printed figures, not asserted in CI.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from tests.support import ROOT

pytestmark = pytest.mark.integration

FIGURES = (
    "events/s, 1 worker", "ceiling: raw consumer + orjson", "ratio to ceiling", "worker CPU per 1k events",
    "session_end -> classified record, p50", "session_end -> classified record, p99", "session_end -> /metrics, p50",
    "session_end -> /metrics, p99", "peak RSS after the backlog", "state per open session, RSS",
    "state per open session, changelog record",
)


def test_quick_bench_prints_every_figure_and_classifies_every_session():
    out = subprocess.run([sys.executable, "-m", "streams.cli", "bench", "--quick"], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    for figure in FIGURES:
        line = next((ln for ln in lines if ln.startswith(figure)), None)
        assert line is not None, f"missing figure {figure!r} in:\n{out.stdout}"
        assert re.search(r"\d", line.removeprefix(figure)), line
    done = re.search(r"classified: ([\d,]+) of ([\d,]+) backlog sessions, (\d+) of (\d+) live sessions", out.stdout)
    assert done, out.stdout
    assert done.group(1) == done.group(2) and int(done.group(1).replace(",", "")) > 0
    assert done.group(3) == done.group(4)


def test_quick_comparison_runs_both_variants_and_checks_that_b_ran_with_its_overrides_and_code(tmp_path):
    tree = tmp_path / "tree"  # another checkout: here a copy of this one's code
    for package in ("streams", "models"):
        shutil.copytree(ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__"))
    out = subprocess.run([sys.executable, "-m", "streams.cli", "bench", "--quick", "--compare",
                          "SESSIONSCOPE_BATCH_SIZE=100", "--tree", str(tree)], cwd=ROOT, capture_output=True,
                         text=True, timeout=180)
    assert out.returncode == 0, out.stdout + out.stderr
    assert re.search(r"^ +1 +A +[\d,]+ +[\d,]+ +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+$", out.stdout, re.M), out.stdout
    assert f"B workers ran with: SESSIONSCOPE_BATCH_SIZE=100, code of {tree} (read from /proc)" in out.stdout
    assert "events/s: median B/A" in out.stdout and "worker CPU per event: median B/A" in out.stdout


def test_a_variant_whose_worker_cannot_start_ends_with_the_workers_reason_not_a_hang():
    out = subprocess.run([sys.executable, "-m", "streams.cli", "bench", "--quick", "--compare",
                          "SESSIONSCOPE_BATCH_SIZE=abc"], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert out.returncode == 1, out.stdout + out.stderr
    assert out.stderr.startswith("sessionscope bench: the worker exited; its log:"), out.stderr
    assert "batch_size" in out.stderr and "valid integer" in out.stderr, out.stderr
