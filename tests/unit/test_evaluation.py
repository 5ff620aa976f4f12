"""Evaluation metrics on a small constructed set, checked against hand-computed values."""

from __future__ import annotations

from typing import Any

import pytest

from models.classification import Classification, Outcome, WorkMode
from models.evaluation import Label, between, check_targets, compare, validate


def label(
    mode: str,
    outcome: str,
    s: int,
    f: int,
    exp: Any = 3,
    alt: str | None = None,
    plan: float = 0.5,
    exe: float = 0.1,
) -> Label:
    return Label.from_dict(
        {
            "session_id": "x",
            "file": "f",
            "work_mode": mode,
            "work_mode_alt": alt,
            "expertise": exp,
            "outcome": outcome,
            "success_signal": s,
            "failure_signal": f,
            "user_planning_share": plan,
            "user_execution_share": exe,
            "occupation": "unclear",
        }
    )


def pred(
    mode: str, outcome: Outcome, s: int, f: int, exp: int | None = 3, plan: float = 0.5, exe: float = 0.1
) -> Classification:
    return Classification(
        work_mode=WorkMode(mode),
        outcome=outcome,
        success_signal=s,
        failure_signal=f,
        expertise=exp,
        user_planning_share=plan,
        user_execution_share=exe,
    )


LABELS = [
    label("build", "succeeded", 5, 0, exp=4),
    label("fix", "partial", 3, 3, exp=2, alt="operate"),
    label("plan", "succeeded", 2, 0, exp="unclear"),
    label("understand", "no_clear_goal", 0, 0, exp=5),
]
PREDS = [
    pred("build", Outcome.SUCCEEDED, 4, 1, exp=5, plan=0.7),  # mode ok, outcome ok, verified both
    pred("operate", Outcome.PARTIAL, 3, 3, exp=4, exe=0.3),  # alt mode, exp off by two
    pred("plan", Outcome.SUCCEEDED, 4, 0, exp=None),  # verified mismatch (ref s=2)
    pred("build", Outcome.SUCCEEDED, 2, 0, exp=None),  # ref no_clear_goal: excluded from rates
]


def test_label_vocabulary_is_mapped() -> None:
    assert LABELS[1].outcome is Outcome.PARTIAL
    assert LABELS[2].expertise is None
    assert LABELS[1].work_mode_alt == "operate"
    with pytest.raises(ValueError):
        label("coding", "succeeded", 1, 1)


def test_agreement_per_facet() -> None:
    r = compare(LABELS, PREDS)
    a = r.agreement
    assert r.n == 4
    assert a["work_mode"] == pytest.approx(2 / 4)
    assert a["work_mode_or_alt"] == pytest.approx(3 / 4)
    assert a["outcome"] == pytest.approx(3 / 4)
    assert a["expertise"] == pytest.approx(1 / 4)  # only the unclear/unclear pair agrees exactly
    assert r.compared["expertise_within_1"] == 3  # the unclear reference is not compared
    assert a["expertise_within_1"] == pytest.approx(1 / 3)  # 4~5 yes, 2~4 no, 5~None no
    assert r.compared["verified_success"] == 3  # the no-clear-goal reference is excluded
    assert a["verified_success"] == pytest.approx(2 / 3)
    assert a["at_least_partial"] == pytest.approx(1.0)
    assert a["troubled"] == pytest.approx(1.0)


def test_mae_and_confusion() -> None:
    r = compare(LABELS, PREDS)
    assert r.mae["success_signal"] == pytest.approx((1 + 0 + 2 + 2) / 4)
    assert r.mae["failure_signal"] == pytest.approx(1 / 4)
    assert r.mae["user_planning_share"] == pytest.approx(0.2 / 4)
    assert r.mae["user_execution_share"] == pytest.approx(0.2 / 4)
    assert r.confusion["fix"]["operate"] == 1
    assert r.confusion["understand"]["build"] == 1
    assert r.confusion["build"]["build"] == 1
    assert sum(sum(row.values()) for row in r.confusion.values()) == 4


def test_targets_report_what_was_missed() -> None:
    r = compare(LABELS, PREDS)
    got = {facet: (value, ok) for facet, _, value, ok in check_targets(r)}
    assert got["work_mode"] == (pytest.approx(0.5), False)
    assert got["outcome"] == (pytest.approx(0.75), True)
    assert got["expertise_within_1"][1] is False


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="pair them"):
        compare(LABELS, PREDS[:2])


def test_between_backends() -> None:
    b = between(PREDS, PREDS)
    assert b["work_mode"] == 1.0 and b["success_signal_mae"] == 0.0
    shifted = [p.model_copy(update={"success_signal": max(p.success_signal - 1, 0)}) for p in PREDS]
    b2 = between(PREDS, shifted)
    assert b2["success_signal_mae"] == pytest.approx(1.0)
    assert b2["verified_success"] == pytest.approx(2 / 4)  # the two s=4 successes drop to 3


def test_validation_checks() -> None:
    items = [
        (pred("build", Outcome.SUCCEEDED, 5, 0), {"code_changed": True}),
        (pred("fix", Outcome.FAILED, 1, 4), {"code_changed": False}),
        (pred("fix", Outcome.SUCCEEDED, 5, 1), {"code_changed": True}),
        (pred("plan", Outcome.SUCCEEDED, 2, 0), {"code_changed": False}),
        (pred("build", Outcome.NO_CLEAR_GOAL, 0, 0), {"code_changed": False}),
    ]
    v = validate(items)
    assert v.succeeded_by_success[5] == (1.0, 2)
    assert v.succeeded_by_success[1] == (0.0, 1)
    assert v.succeeded_by_success[0] == (None, 0)  # the no-clear-goal session is not rated
    assert v.succeeded_by_failure[4] == (0.0, 1)
    assert v.succeeded_by_failure[0] == (1.0, 2)
    assert v.code_sessions == 4  # build and fix sessions, rated or not
    assert v.code_changed_share == pytest.approx(2 / 4)
