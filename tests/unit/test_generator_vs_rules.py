"""Generated sessions carry the evidence METHOD.md's definitions read, so the rule classifier
recovers the generator's intended facets (the demo and the integration tests depend on it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from models.classification import Classification, derived
from models.classify.rules import classify
from models.decode import decode_message
from models.generator import GeneratedSession, generate, messages
from models.generator_text import ADVANCED, BEGINNER, EXPERT, EXPERT_READ, NOVICE, NOVICE_I18N, SETTLE, TASKS_I18N
from models.language import is_complaint, is_correction, settles
from models.session import SessionState, apply, new_session, structure

START = 1_767_225_600.0
NOW = START + 3 * 86_400.0


@pytest.fixture(scope="module")
def pairs() -> list[tuple[dict[str, Any], Classification, dict[str, Any]]]:
    sessions: list[GeneratedSession] = generate(1000, seed=23, start=START, span_s=86_400.0)
    states: dict[str, SessionState] = {}
    for _, key, value in messages(sessions):
        for event in decode_message(value, now=NOW).events:
            apply(states.get(key) or states.setdefault(key, new_session(key)), event)
    out = []
    for s in sessions:
        state = states[s.session_id]
        c = classify(state)
        out.append((s.truth, c, derived(c, structure(state))))
    return out


def _share(pairs: list[Any], hit: Callable[[dict[str, Any], Classification], bool]) -> float:
    return sum(hit(t, c) for t, c, _ in pairs) / len(pairs)


def test_facets_agree(pairs: list[tuple[dict[str, Any], Classification, dict[str, Any]]]) -> None:
    assert _share(pairs, lambda t, c: c.work_mode.value == t["work_mode"]) >= 0.85
    assert _share(pairs, lambda t, c: c.outcome.value == t["outcome"]) >= 0.92
    assert _share(pairs, lambda t, c: c.success_signal == t["success_signal"]) >= 0.78
    assert _share(pairs, lambda t, c: c.failure_signal == t["failure_signal"]) >= 0.95
    assert _share(pairs, lambda t, c: abs(c.success_signal - t["success_signal"]) <= 1) >= 0.95
    assert _share(pairs, lambda t, c: abs(c.failure_signal - t["failure_signal"]) <= 1) >= 0.95
    assert _share(pairs, lambda t, c: c.expertise is not None and abs(c.expertise - t["expertise"]) <= 1) >= 0.88
    assert _share(pairs, lambda t, c: c.expertise == t["expertise"]) >= 0.75


def test_derived_rates_match_the_truth(pairs: list[tuple[dict[str, Any], Classification, dict[str, Any]]]) -> None:
    def rate(which: int, key: str) -> float:
        rated = [p[which] for p in pairs if p[which]["rated"]]
        return sum(bool(d[key]) for d in rated) / len(rated)

    for key in ("verified_success", "at_least_partial"):
        assert rate(2, key) == pytest.approx(rate(0, key), abs=0.05), key
    no_goal = [c.outcome.value == "no_clear_goal" for t, c, _ in pairs if t["outcome"] == "no_clear_goal"]
    assert no_goal and sum(no_goal) / len(no_goal) >= 0.9


def test_evidence_texts_read_as_intended() -> None:
    fill = {"area": "login", "feature": "pagination", "task": "fix the bug", "id1": "parse_request",
            "id2": "TokenCache", "code": "src/app/api.py", "gotcha": "ids are strings", "test_cmd": "pytest -q",
            "data": "data/a.csv"}  # fmt: skip
    prompts = [t.format_map(fill) for t in (*SETTLE, *BEGINNER, *NOVICE, EXPERT, EXPERT_READ, ADVANCED)]
    prompts += [n + t.format_map(fill) for ts in TASKS_I18N.values() for n, t in zip(NOVICE_I18N, ts, strict=True)]
    assert not [p for p in prompts if is_correction(p) or is_complaint(p)]  # neither pushback nor complaint
    assert all(settles(t.format_map(fill)) for t in SETTLE)
