"""Rule classifier: every facet of METHOD.md from the session's counters and bounded evidence.

Deterministic, offline and cheap (a few regex passes over at most the study's 25,000 characters),
so it is the default backend and the fall-back of every other one.
"""

from __future__ import annotations

from models.classification import Classification, Outcome
from models.classify.expertise import decision_shares, expertise
from models.classify.mode import work_mode
from models.classify.occupation import occupation, task_value
from models.classify.outcome import failure_signal, outcome, success_signal
from models.classify.signals import extract
from models.session import SessionState


def classify(state: SessionState) -> Classification:
    s = extract(state)
    mode = work_mode(state, s)
    success = success_signal(state, s)
    failure = failure_signal(state, s)
    result = outcome(state, s, success, failure)
    planning, execution = decision_shares(state, s)
    return Classification(
        work_mode=mode,
        expertise=expertise(state, s) if result is not Outcome.NO_CLEAR_GOAL or s.words_typed >= 4 else None,
        outcome=result,
        success_signal=success,
        failure_signal=failure,
        user_planning_share=planning,
        user_execution_share=execution,
        occupation=occupation(state, s),
        task_value=task_value(state, s, mode),
        backend="rules",
    )
