"""Prometheus gauges read from the windowed tables at scrape time.

Labels: window, dimension, cohort (+ mode or outcome). Cardinality is bounded: each dimension
exports its top values by sessions in the window and folds the rest into "other".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from models.windows import MODES, OUTCOME_RATES, SEP, cohort_stats

NS = "sessionscope_window"
LABELS = ["window", "dimension", "cohort"]


class WindowCollector(Collector):
    def __init__(self, exported: Callable[[], dict[str, tuple[int, dict[str, list[float]]]]]) -> None:
        self._exported = exported

    def describe(self) -> list[Any]:
        return []  # dynamic: describing would call collect() at registration time

    def collect(self) -> Iterator[GaugeMetricFamily]:
        g = {
            "sessions": GaugeMetricFamily(f"{NS}_sessions", "Sessions closed in the window", labels=LABELS),
            "rated_sessions": GaugeMetricFamily(
                f"{NS}_rated_sessions", "Sessions in the window with a clear goal (the rates' denominator)",
                labels=LABELS),
            "work_mode_sessions": GaugeMetricFamily(
                f"{NS}_work_mode_sessions", "Sessions in the window by work mode", labels=[*LABELS, "mode"]),
            "work_mode_share": GaugeMetricFamily(
                f"{NS}_work_mode_share", "Share of the window's sessions in each work mode", labels=[*LABELS, "mode"]),
            "outcome_rate": GaugeMetricFamily(
                f"{NS}_outcome_rate", "Rate among sessions with a clear goal", labels=[*LABELS, "outcome"]),
            "actions_per_prompt": GaugeMetricFamily(
                f"{NS}_actions_per_prompt", "Mean agent actions per user prompt", labels=LABELS),
            "words_per_prompt": GaugeMetricFamily(
                f"{NS}_words_per_prompt", "Mean assistant words per user prompt", labels=LABELS),
            "user_planning_share": GaugeMetricFamily(
                f"{NS}_user_planning_share", "Mean share of planning decisions made by the user", labels=LABELS),
            "user_execution_share": GaugeMetricFamily(
                f"{NS}_user_execution_share", "Mean share of execution decisions made by the user", labels=LABELS),
        }
        ends = GaugeMetricFamily(f"{NS}_end_timestamp_seconds", "End of the current window in event time",
                                 labels=["window"])
        for window, (end, cohorts) in self._exported().items():
            ends.add_metric([window], end)
            for key, vec in cohorts.items():
                dim, value = key.split(SEP, 1)
                base = [window, dim, value]
                st = cohort_stats(vec)
                g["sessions"].add_metric(base, st["sessions"])
                g["rated_sessions"].add_metric(base, st["rated_sessions"])
                for mode in MODES:
                    g["work_mode_sessions"].add_metric([*base, mode], st["work_mode_sessions"][mode])
                    share = st["work_mode_share"][mode]
                    if share is not None:
                        g["work_mode_share"].add_metric([*base, mode], share)
                for name in OUTCOME_RATES:
                    rate = st["outcome_rate"][name]
                    if rate is not None:
                        g["outcome_rate"].add_metric([*base, name], rate)
                for name in ("actions_per_prompt", "words_per_prompt", "user_planning_share", "user_execution_share"):
                    if st[name] is not None:
                        g[name].add_metric(base, st[name])
        yield ends
        yield from g.values()
