"""The in-stream success-rate-drop alert: the same decision as the Prometheus rule, with hysteresis.

It fires when the short window's verified-success rate falls below ``drop_ratio`` times the
long window's (the baseline), once both have at least ``min_sessions`` rated sessions, and it
clears only when the short rate is back above ``clear_ratio`` times the baseline, so a rate
hovering at the threshold does not flap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.windows import I_RATE, I_RATED, OUTCOME_RATES

ALERT = "success_rate_drop"
_VERIFIED = I_RATE + OUTCOME_RATES.index("verified_success")


@dataclass(frozen=True, slots=True)
class AlertPolicy:
    min_sessions: int = 20
    drop_ratio: float = 0.7
    clear_ratio: float = 0.85


def _rate(vec: list[float] | None) -> tuple[float | None, int]:
    if not vec or vec[I_RATED] <= 0:
        return None, 0
    return vec[_VERIFIED] / vec[I_RATED], round(vec[I_RATED])


def decide(firing: bool, short: list[float] | None, baseline: list[float] | None, policy: AlertPolicy) -> bool:
    """Whether the alert should be firing after this evaluation."""
    s_rate, s_n = _rate(short)
    b_rate, b_n = _rate(baseline)
    if s_rate is None or b_rate is None or s_n < policy.min_sessions or b_n < policy.min_sessions:
        return firing  # too little data to change our mind either way
    if firing:
        return s_rate < policy.clear_ratio * b_rate
    return s_rate < policy.drop_ratio * b_rate


def alert_record(cohort_key: str, firing: bool, short: list[float] | None, baseline: list[float] | None,
                 *, short_window: str, baseline_window: str, event_time: float) -> dict[str, Any]:
    dim, _, value = cohort_key.partition("\x1f")
    s_rate, s_n = _rate(short)
    b_rate, b_n = _rate(baseline)
    return {
        "alert": ALERT, "state": "firing" if firing else "resolved", "dimension": dim, "cohort": value,
        "short_window": short_window, "baseline_window": baseline_window,
        "short_rate": s_rate, "baseline_rate": b_rate, "short_sessions": s_n, "baseline_sessions": b_n,
        "event_time": event_time,
    }  # fmt: skip
