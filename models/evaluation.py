"""Agreement of classifications with reference labels, between backends, and the study's checks.

Pure: callers read the label file and classify the sessions; this module only compares.
Reference labels use the annotators' vocabulary (outcome "partial", expertise "unclear"), which
`Label.from_dict` maps onto the Classification's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from models.classification import UNCLEAR, Classification, Outcome, WorkMode

MODES = [m.value for m in WorkMode]
# Targets of the rule classifier on the dev labels: (facet, minimum agreement).
TARGETS = (("work_mode", 0.70), ("outcome", 0.70), ("expertise_within_1", 0.80), ("verified_success", 0.80))
_OUTCOME_ALIASES = {"partial": Outcome.PARTIAL, "partially succeeded": Outcome.PARTIAL}


@dataclass(frozen=True, slots=True)
class Label:
    """One reference judgement, in the Classification's vocabulary."""

    session_id: str
    file: str
    work_mode: str
    work_mode_alt: str | None
    expertise: int | None
    outcome: Outcome
    success_signal: int
    failure_signal: int
    user_planning_share: float | None
    user_execution_share: float | None
    occupation: str
    agent: str = "unknown"

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Label:
        exp = d.get("expertise")
        raw_outcome = str(d["outcome"]).strip().lower()
        return cls(
            session_id=str(d.get("session_id", "")),
            file=str(d.get("file", "")),
            work_mode=WorkMode(d["work_mode"]).value,
            work_mode_alt=WorkMode(d["work_mode_alt"]).value if d.get("work_mode_alt") else None,
            expertise=int(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None,
            outcome=_OUTCOME_ALIASES.get(raw_outcome) or Outcome(raw_outcome),
            success_signal=int(d["success_signal"]),
            failure_signal=int(d["failure_signal"]),
            user_planning_share=_opt_float(d.get("user_planning_share")),
            user_execution_share=_opt_float(d.get("user_execution_share")),
            occupation=str(d.get("occupation") or UNCLEAR),
            agent=str(d.get("agent", "unknown")),
        )


def _opt_float(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def _verified(outcome: Outcome, success: int) -> bool:
    return outcome is Outcome.SUCCEEDED and success >= 4


@dataclass(slots=True)
class Report:
    n: int
    agreement: dict[str, float | None]  # facet -> share agreeing (None: nothing to compare)
    compared: dict[str, int]  # facet -> sessions compared
    mae: dict[str, float | None]
    confusion: dict[str, dict[str, int]]  # reference mode -> predicted mode -> sessions
    targets: list[tuple[str, float, float | None, bool]] = field(default_factory=list)


def _share(hits: Sequence[bool]) -> float | None:
    return sum(hits) / len(hits) if hits else None


def _mae(pairs: Iterable[tuple[float | None, float | None]]) -> float | None:
    diffs = [abs(a - b) for a, b in pairs if a is not None and b is not None]
    return sum(diffs) / len(diffs) if diffs else None


def compare(labels: Sequence[Label], predictions: Sequence[Classification]) -> Report:
    """Agreement of predictions with reference labels, session by session (same order)."""
    if len(labels) != len(predictions):
        raise ValueError(f"{len(labels)} labels but {len(predictions)} predictions; pair them one to one")
    hits: dict[str, list[bool]] = {k: [] for k in (
        "work_mode", "work_mode_or_alt", "outcome", "expertise", "expertise_within_1", "success_signal",
        "failure_signal", "occupation", "verified_success", "at_least_partial", "troubled")}  # fmt: skip
    confusion = {m: dict.fromkeys(MODES, 0) for m in MODES}
    for ref, got in zip(labels, predictions, strict=True):
        mode = got.work_mode.value
        confusion[ref.work_mode][mode] += 1
        hits["work_mode"].append(mode == ref.work_mode)
        hits["work_mode_or_alt"].append(mode in (ref.work_mode, ref.work_mode_alt))
        hits["outcome"].append(got.outcome is ref.outcome)
        hits["expertise"].append(got.expertise == ref.expertise)
        if ref.expertise is not None:  # an unclear prediction of a clear reference is a miss
            hits["expertise_within_1"].append(got.expertise is not None and abs(got.expertise - ref.expertise) <= 1)
        hits["success_signal"].append(got.success_signal == ref.success_signal)
        hits["failure_signal"].append(got.failure_signal == ref.failure_signal)
        hits["occupation"].append(got.occupation == ref.occupation)
        if ref.outcome is not Outcome.NO_CLEAR_GOAL:  # rates exclude no-clear-goal references
            hits["verified_success"].append(
                _verified(got.outcome, got.success_signal) == _verified(ref.outcome, ref.success_signal)
            )
            partial = (Outcome.SUCCEEDED, Outcome.PARTIAL)
            hits["at_least_partial"].append((got.outcome in partial) == (ref.outcome in partial))
            hits["troubled"].append((got.failure_signal >= 3) == (ref.failure_signal >= 3))
    pairs = list(zip(labels, predictions, strict=True))
    mae = {
        key: _mae((getattr(r, key), getattr(p, key)) for r, p in pairs)
        for key in ("success_signal", "failure_signal", "user_planning_share", "user_execution_share")
    }
    report = Report(
        n=len(labels),
        agreement={k: _share(v) for k, v in hits.items()},
        compared={k: len(v) for k, v in hits.items()},
        mae=mae,
        confusion=confusion,
    )
    report.targets = check_targets(report)
    return report


def check_targets(report: Report) -> list[tuple[str, float, float | None, bool]]:
    """(facet, target, achieved, met) for each target of the rule classifier."""
    out = []
    for facet, target in TARGETS:
        got = report.agreement.get(facet)
        out.append((facet, target, got, got is not None and got >= target))
    return out


def between(a: Sequence[Classification], b: Sequence[Classification]) -> dict[str, float | None]:
    """Agreement per facet between two backends on the same sessions."""
    if len(a) != len(b):
        raise ValueError(f"{len(a)} and {len(b)} classifications; pair them one to one")
    pairs = list(zip(a, b, strict=True))
    return {
        "work_mode": _share([x.work_mode is y.work_mode for x, y in pairs]),
        "outcome": _share([x.outcome is y.outcome for x, y in pairs]),
        "expertise": _share([x.expertise == y.expertise for x, y in pairs]),
        "expertise_within_1": _share(
            [abs(x.expertise - y.expertise) <= 1 for x, y in pairs if x.expertise and y.expertise]
        ),
        "success_signal": _share([x.success_signal == y.success_signal for x, y in pairs]),
        "failure_signal": _share([x.failure_signal == y.failure_signal for x, y in pairs]),
        "occupation": _share([x.occupation == y.occupation for x, y in pairs]),
        "verified_success": _share(
            [_verified(x.outcome, x.success_signal) == _verified(y.outcome, y.success_signal) for x, y in pairs]
        ),
        "success_signal_mae": _mae((x.success_signal, y.success_signal) for x, y in pairs),
        "failure_signal_mae": _mae((x.failure_signal, y.failure_signal) for x, y in pairs),
        "user_planning_share_mae": _mae((x.user_planning_share, y.user_planning_share) for x, y in pairs),
        "user_execution_share_mae": _mae((x.user_execution_share, y.user_execution_share) for x, y in pairs),
    }


@dataclass(slots=True)
class Validation:
    """The study's validation checks on any corpus (no reference labels needed)."""

    succeeded_by_success: dict[int, tuple[float | None, int]]  # level -> (share succeeded, sessions)
    succeeded_by_failure: dict[int, tuple[float | None, int]]
    code_changed_share: float | None  # of build and fix sessions
    code_sessions: int


def validate(items: Sequence[tuple[Classification, dict[str, Any]]]) -> Validation:
    """Share judged succeeded at each signal level (rated sessions only), and the share of build and
    fix sessions whose telemetry shows code changes (the study: rising 13%->90% across success 1-5,
    falling 85%->3% across failure 1-5, over 90% code changed)."""
    by_s: dict[int, list[bool]] = {level: [] for level in range(6)}
    by_f: dict[int, list[bool]] = {level: [] for level in range(6)}
    coding: list[bool] = []
    for c, structure in items:
        if c.work_mode in (WorkMode.BUILD, WorkMode.FIX):
            coding.append(bool(structure.get("code_changed")))
        if c.outcome is Outcome.NO_CLEAR_GOAL:
            continue
        ok = c.outcome is Outcome.SUCCEEDED
        by_s[c.success_signal].append(ok)
        by_f[c.failure_signal].append(ok)
    return Validation(
        succeeded_by_success={k: (_share(v), len(v)) for k, v in by_s.items()},
        succeeded_by_failure={k: (_share(v), len(v)) for k, v in by_f.items()},
        code_changed_share=_share(coding),
        code_sessions=len(coding),
    )
