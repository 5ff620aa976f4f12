"""The paired comparison's statistics and its refusals: a verdict only when the pairs agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.bench.compare import Comparison, Variant, check_tree, parse_override, render
from streams.bench.paired import paired, sign_test_p
from streams.bench.run import Config, Run
from tests.support import ROOT


def test_sign_test_matches_the_binomial_tails():
    assert sign_test_p(8, 8) == pytest.approx(2 / 256)
    assert sign_test_p(0, 8) == pytest.approx(2 / 256)
    assert sign_test_p(7, 8) == pytest.approx(2 * 9 / 256)
    assert sign_test_p(4, 8) == 1.0
    assert sign_test_p(0, 0) == 1.0


def test_a_consistent_difference_is_reported_with_its_direction():
    faster = paired("events/s", [100, 100, 100, 100, 100, 100, 100, 100], [110, 120, 105, 112, 130, 101, 108, 115],
                    higher_is_better=True)
    assert faster.b_better == 8 and faster.verdict().startswith("B is faster: median B/A 1.11")
    costlier = paired("cpu", [10] * 8, [12] * 8, higher_is_better=False)
    assert costlier.verdict().startswith("B is costlier: median B/A 1.20")


def test_a_split_or_a_short_series_shows_no_difference():
    split = paired("events/s", [100] * 8, [90, 110, 95, 105, 120, 80, 101, 99], higher_is_better=True)
    assert split.verdict().startswith("no difference shown (B faster in 4 of 8 pairs")
    # two pairs can never reach p < 0.05, however large the effect
    assert paired("events/s", [100, 100], [200, 200], higher_is_better=True).verdict().startswith("no difference")


def test_ties_carry_no_direction():
    fig = paired("events/s", [100] * 7, [100, 100, 110, 110, 110, 110, 110], higher_is_better=True)
    assert (fig.b_better, fig.b_worse) == (5, 0) and fig.p == pytest.approx(2 / 32)


def test_unequal_series_are_refused():
    with pytest.raises(ValueError):
        paired("events/s", [1.0, 2.0], [1.0], higher_is_better=True)


def test_overrides_are_name_value_and_never_what_the_bench_sets_itself():
    assert parse_override("SESSIONSCOPE_BATCH_SIZE=1000") == ("SESSIONSCOPE_BATCH_SIZE", "1000")
    assert parse_override("PYTHONMALLOC=malloc") == ("PYTHONMALLOC", "malloc")
    for bad in ("SESSIONSCOPE_BATCH_SIZE", "lower=1", "=1"):
        with pytest.raises(ValueError, match="NAME=VALUE"):
            parse_override(bad)
    for reserved in ("SESSIONSCOPE_TOPIC_EVENTS=x", "SESSIONSCOPE_PARTITIONS=4", "SESSIONSCOPE_BROKER=x:1"):
        with pytest.raises(ValueError, match="set by the bench"):
            parse_override(reserved)


def test_a_tree_must_be_a_checkout(tmp_path: Path):
    assert check_tree(ROOT) == ROOT.resolve()
    with pytest.raises(ValueError, match=r"no streams/cli\.py"):
        check_tree(tmp_path)


def _run(eps: float, ms: float, env: dict[str, str], cwd: str = "/a") -> Run:
    events = 100_000
    return Run(1, events=events, seconds=events / eps, worker_cpu_s=ms * events / 1e6, seen_env=env, seen_cwd=cwd)


def test_the_report_lists_each_pair_and_voids_a_comparison_whose_override_did_not_reach_the_workers():
    variant = Variant({"SESSIONSCOPE_BATCH_SIZE": "1000"})
    took = {"SESSIONSCOPE_BATCH_SIZE": "1000"}
    c = Comparison(Config(), variant, events=100_000, first=["A", "B"],
                   a=[_run(20_000, 40.0, {}), _run(22_000, 38.0, {})],
                   b=[_run(21_000, 39.0, took), _run(22_000, 36.1, took)])
    text = render(c)
    assert "   1      A      20,000      21,000   1.05     40.0     39.0   0.97" in text
    assert "   2      B      22,000      22,000   1.00     38.0     36.1   0.95" in text
    assert "B workers ran with: SESSIONSCOPE_BATCH_SIZE=1000 (read from /proc)" in text
    c.b[1].seen_env = {}
    assert "B workers ran with: NOT SESSIONSCOPE_BATCH_SIZE=1000: the comparison is void" in render(c)
