"""The chaos harness at a small size: two workers, SIGKILLs under traffic, duplicates and reordering."""

from __future__ import annotations

import pytest

from streams.chaos.run import ChaosConfig, run

pytestmark = [pytest.mark.integration, pytest.mark.chaos]


def test_nothing_lost_nothing_counted_twice_under_worker_kills(tmp_path):
    report = run(ChaosConfig(sessions=200, partitions=4, chunks=6, kills=2, seed=3, settle_timeout_s=90,
                             workdir=tmp_path))
    text = "\n".join(report.lines())
    assert report.kills == 2 and report.worker_restarts == 2, text
    assert report.duplicates_injected > 0 and report.duplicates_absorbed >= report.duplicates_injected, text
    assert not report.verdict.lost and not report.verdict.wrong and not report.crashes, text
    assert report.ok, text
