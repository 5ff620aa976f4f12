"""The chaos harness at a small size: two workers, SIGKILLs under traffic, duplicates and reordering,
and a broker restart."""

from __future__ import annotations

import pytest

from streams.chaos.run import ChaosConfig, run

pytestmark = pytest.mark.integration


def _assert_exactly_once(report, kills: int) -> None:
    text = "\n".join(report.lines())
    assert report.kills == kills and report.worker_restarts == kills, text
    assert report.duplicates_injected > 0 and report.duplicates_absorbed >= report.duplicates_injected, text
    assert not report.verdict.lost and not report.verdict.wrong and not report.crashes, text
    assert report.ok, text


@pytest.mark.parametrize("brokers", [1, 3], ids=["one-broker-all-partitions-unavailable", "three-brokers-failover"])
def test_nothing_lost_nothing_counted_twice_under_worker_kills_and_a_broker_restart(tmp_path, brokers):
    report = run(ChaosConfig(sessions=200, partitions=4, chunks=6, kills=2, seed=3, settle_timeout_s=90,
                             broker_restart=True, brokers=brokers, workdir=tmp_path))
    assert report.broker_restarts == 1 and f"broker 1 of {brokers} down" in report.broker_note
    _assert_exactly_once(report, kills=2)


def test_nothing_lost_nothing_counted_twice_under_worker_kills_on_the_embedded_broker(tmp_path):
    report = run(ChaosConfig(sessions=200, partitions=4, chunks=6, kills=2, seed=3, settle_timeout_s=90,
                             broker_restart=False, workdir=tmp_path))
    assert report.broker_restarts == 0
    _assert_exactly_once(report, kills=2)
