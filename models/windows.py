"""Rolling event-time windows of classified sessions, per cohort.

A hopping window (size, step) is the sum of its step-sized buckets, so a session is added to
one bucket per window spec instead of size/step windows. A session belongs to the bucket of
its last event time; buckets depend only on event time, so live traffic and a backfill of last
month give the same windows. A re-classified session (a late event reopened it) is retracted
from its old bucket and added to its new one, so each session counts once in every window.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from models.classification import WorkMode, expertise_label

MODES = tuple(m.value for m in WorkMode)
DIMENSIONS = ("all", "expertise", "agent", "model", "project", "occupation")
OUTCOME_RATES = ("verified_success", "at_least_partial", "troubled", "abandoned")
MAX_COHORT_VALUES = 200  # per dimension and bucket; beyond this values fold into "other"
OTHER = "other"
SEP = "\x1f"

# layout of a cohort's counter vector
I_SESSIONS = 0
I_MODE = 1  # 9 slots, in MODES order
I_RATED = I_MODE + len(MODES)
I_RATE = I_RATED + 1  # 4 slots, in OUTCOME_RATES order
I_APP_SUM, I_WPP_SUM, I_PROMPTED = I_RATE + 4, I_RATE + 5, I_RATE + 6
I_PLAN_SUM, I_PLAN_N, I_EXEC_SUM, I_EXEC_N = I_RATE + 7, I_RATE + 8, I_RATE + 9, I_RATE + 10
WIDTH = I_EXEC_N + 1


@dataclass(frozen=True, slots=True)
class WindowSpec:
    name: str
    size_s: int
    step_s: int

    def bucket(self, ts: float) -> int:
        return int(ts // self.step_s) * self.step_s

    def end_containing(self, ts: float) -> int:
        """End of the window that ends with the bucket holding ts (the current window)."""
        return self.bucket(ts) + self.step_s

    def buckets_of(self, end: int) -> range:
        return range(end - self.size_s, end, self.step_s)


def parse_windows(spec: str) -> list[WindowSpec]:
    """'1h:3600:300,24h:86400:3600' -> window specs; size must be a multiple of step."""
    out = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        try:
            name, size, step = part.split(":")
            w = WindowSpec(name, int(size), int(step))
        except ValueError as exc:
            raise ValueError(f"window {part!r} must look like name:size_s:step_s, e.g. 1h:3600:300") from exc
        if w.step_s <= 0 or w.size_s % w.step_s:
            raise ValueError(f"window {part!r}: size must be a positive multiple of step")
        out.append(w)
    if not out:
        raise ValueError("at least one window is needed")
    return out


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one classified session adds to a bucket: its cohorts and one counter vector."""

    session_id: str
    rev: int
    ts: float
    cohorts: tuple[tuple[str, str], ...]
    vector: tuple[float, ...]

    def to_list(self) -> list[Any]:
        return [self.session_id, self.rev, self.ts, [list(c) for c in self.cohorts], list(self.vector)]

    @classmethod
    def from_list(cls, d: list[Any]) -> Contribution:
        return cls(d[0], d[1], d[2], tuple((a, b) for a, b in d[3]), tuple(d[4]))


def contribution(record: Mapping[str, Any]) -> Contribution:
    """The contribution of a classified-session record (see models.records.classified_record)."""
    c, s, d = record["classification"], record["structure"], record["derived"]
    vec = [0.0] * WIDTH
    vec[I_SESSIONS] = 1
    vec[I_MODE + MODES.index(c["work_mode"])] = 1
    if d["rated"]:
        vec[I_RATED] = 1
        for i, name in enumerate(OUTCOME_RATES):
            vec[I_RATE + i] = 1 if d[name] else 0
    if s["turns"]:
        vec[I_PROMPTED] = 1
        vec[I_APP_SUM] = s["actions_per_prompt"]
        vec[I_WPP_SUM] = s["words_per_turn"]
    if c.get("user_planning_share") is not None:
        vec[I_PLAN_SUM], vec[I_PLAN_N] = c["user_planning_share"], 1
    if c.get("user_execution_share") is not None:
        vec[I_EXEC_SUM], vec[I_EXEC_N] = c["user_execution_share"], 1
    cohorts = (
        ("all", "all"),
        ("expertise", expertise_label(c.get("expertise"))),
        ("agent", record.get("agent") or "unknown"),
        ("model", record.get("model") or "unknown"),
        ("project", record.get("project") or "unknown"),
        ("occupation", c.get("occupation") or "unclear"),
    )
    return Contribution(record["session_id"], record["rev"], record["end_ts"], cohorts, tuple(vec))


def add_to_bucket(bucket: dict[str, list[float]], contrib: Contribution, sign: int = 1) -> None:
    """Add (sign=1) or retract (sign=-1) a contribution; cohorts that reach zero sessions vanish."""
    for dim, value in contrib.cohorts:
        key = f"{dim}{SEP}{value}"
        vec = bucket.get(key)
        if vec is None:
            if sign < 0:
                key = f"{dim}{SEP}{OTHER}"  # it was folded when added
                vec = bucket.get(key)
            elif sum(1 for k in bucket if k.startswith(dim + SEP)) >= MAX_COHORT_VALUES:
                key = f"{dim}{SEP}{OTHER}"
                vec = bucket.get(key)
            if vec is None:
                vec = bucket[key] = [0.0] * WIDTH
        for i, x in enumerate(contrib.vector):
            if x:
                vec[i] += sign * x
        if vec[I_SESSIONS] <= 0:
            del bucket[key]


def sum_buckets(buckets: Iterable[Mapping[str, list[float]] | None]) -> dict[str, list[float]]:
    total: dict[str, list[float]] = {}
    for bucket in buckets:
        for key, vec in (bucket or {}).items():
            acc = total.get(key)
            if acc is None:
                total[key] = list(vec)
            else:
                for i, x in enumerate(vec):
                    acc[i] += x
    return total


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def cohort_stats(vec: list[float]) -> dict[str, Any]:
    """Counts, shares and rates of one cohort in one window. Rates exclude no-clear-goal sessions."""
    n, rated = vec[I_SESSIONS], vec[I_RATED]
    modes = {m: vec[I_MODE + i] for i, m in enumerate(MODES)}
    return {
        "sessions": round(n),
        "rated_sessions": round(rated),
        "work_mode_sessions": {m: round(c) for m, c in modes.items()},
        "work_mode_share": {m: _ratio(c, n) for m, c in modes.items()},
        "outcome_rate": {name: _ratio(vec[I_RATE + i], rated) for i, name in enumerate(OUTCOME_RATES)},
        "actions_per_prompt": _ratio(vec[I_APP_SUM], vec[I_PROMPTED]),
        "words_per_prompt": _ratio(vec[I_WPP_SUM], vec[I_PROMPTED]),
        "user_planning_share": _ratio(vec[I_PLAN_SUM], vec[I_PLAN_N]),
        "user_execution_share": _ratio(vec[I_EXEC_SUM], vec[I_EXEC_N]),
    }


def snapshot(spec: WindowSpec, end: int, totals: Mapping[str, list[float]]) -> dict[str, Any]:
    """A window's statistics for every cohort: the record written to the stats topic."""
    cohorts: dict[str, dict[str, Any]] = {}
    for key, vec in sorted(totals.items()):
        dim, value = key.split(SEP, 1)
        cohorts.setdefault(dim, {})[value] = cohort_stats(vec)
    return {"window": spec.name, "size_s": spec.size_s, "start": end - spec.size_s, "end": end,
            "cohorts": cohorts}  # fmt: skip


def top_cohorts(totals: Mapping[str, list[float]], top_n: int) -> dict[str, list[float]]:
    """Keep the top_n values of each dimension by sessions; fold the rest into 'other'."""
    by_dim: dict[str, list[tuple[str, list[float]]]] = {}
    for key, vec in totals.items():
        dim, value = key.split(SEP, 1)
        by_dim.setdefault(dim, []).append((value, vec))
    out: dict[str, list[float]] = {}
    for dim, items in by_dim.items():
        items.sort(key=lambda kv: (-kv[1][I_SESSIONS], kv[0]))
        for value, vec in items[:top_n]:
            out[f"{dim}{SEP}{value}"] = list(vec)
        rest = [vec for _, vec in items[top_n:]]
        if rest:
            acc = out.setdefault(f"{dim}{SEP}{OTHER}", [0.0] * WIDTH)
            for vec in rest:
                for i, x in enumerate(vec):
                    acc[i] += x
    return out
