"""The benchmark's report: medians of repeated runs, each run listed, the two-worker ratio of medians."""

from __future__ import annotations

from streams.bench.report import render
from streams.bench.run import Config, Results, Run, median_run


def _run(workers: int, eps: float, cpu_ms_per_1k: float = 50.0) -> Run:
    events = 200_000
    return Run(workers, events=events, messages=10_000, seconds=events / eps,
               worker_cpu_s=cpu_ms_per_1k * events / 1e6, broker_cpu_s=1.0, peak_rss=100 << 20)


def test_the_median_is_a_real_run_and_the_lower_middle_of_an_even_count():
    runs = [_run(1, 21_000), _run(1, 18_000), _run(1, 25_000)]
    assert median_run(runs) is runs[0]
    assert median_run(runs[:2]).events_per_s == 18_000


def test_report_prints_the_medians_every_run_and_the_ratio_of_medians():
    res = Results(Config(repeat=3, workers=2), ones=[_run(1, 21_000, 44.0), _run(1, 18_000, 52.5), _run(1, 25_000)],
                  twos=[_run(2, 30_000), _run(2, 36_000), _run(2, 33_000)])
    text = render(res)
    lines = {line.strip().split("  ")[0]: line for line in text.splitlines()}
    assert "21,000" in lines["events/s, 1 worker (batches of 50) (median of 3)"]
    assert "21,000 / 18,000 / 25,000" in lines["each run, 1 worker, events/s"]
    assert "44.0 / 52.5 / 50.0" in lines["each run, 1 worker, worker CPU ms per 1k"]
    assert "33,000" in lines["events/s, 2 workers, 8 partitions (median of 3)"]
    assert "1.57x" in lines["2 workers / 1 worker (medians)"]  # 33,000 / 21,000


def test_a_single_run_prints_no_spread():
    text = render(Results(Config(repeat=1), ones=[_run(1, 20_000)]))
    assert "each run" not in text and "median of" not in text
    assert "20,000" in text
