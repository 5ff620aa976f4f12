"""Outcome and the success and failure signals (METHOD.md facets 3-5).

Hard success signals: a commit or PR, passing tests at the end, explicit affirmation, a clean
verification run (build/lint). Hard failure signals: an unrecovered final error, failing tests at
the end, an explicit complaint. The signals count evidence; the outcome weighs them together with
whether the transcript shows the work finished.
"""

from __future__ import annotations

from models.classification import Outcome
from models.classify.signals import Signals
from models.session import SessionState


def success_signal(state: SessionState, s: Signals) -> int:
    n = state.n
    last_test = state.last_test
    changed = s.edit_total > s.failed_edits
    hard = (
        (n.get("commits", 0) > 0)
        + (n.get("pull_requests", 0) > 0 or (s.ships > 0 and not s.final_error))
        + bool(last_test and last_test[1])
        + (s.affirmations > 0)
    )
    if hard >= 2:
        return 5
    if hard == 1:
        return 4
    checked = state.cmds.get("lint", 0) + state.cmds.get("build", 0) + state.cmds.get("test", 0)
    if changed and checked and not s.final_error and not s.unfinished:
        return 3  # moderate: changes plus a verification run that did not end in an error
    if n.get("actions", 0) == 0 and not s.prompts:
        return 0
    if s.final_error or s.unfinished or (not changed and s.rejections):
        return 1 if changed or n.get("words", 0) else 0
    return 2  # soft: a clean ending without a commit, test or affirmation


def failure_signal(state: SessionState, s: Signals) -> int:
    n = state.n
    last_test = state.last_test
    refused = s.edit_total > 0 and s.failed_edits >= s.edit_total  # every change it tried was refused
    hard = s.final_error + bool(last_test and not last_test[1]) + (s.complaints > 0) + refused
    if hard >= 2:
        return 5
    if hard == 1:
        return 4
    turns = max(n.get("turns", 0), 1)
    pushback = s.corrections + s.rejections
    if pushback >= 1 or s.gave_up or (s.interrupts >= 2 and s.interrupts * 2 >= turns):
        return 3
    errors = n.get("errors", 0)
    if s.interrupts or errors >= 5 or n.get("test_failures", 0) >= 2:
        return 2
    if errors or n.get("test_failures", 0):
        return 1
    return 0


def outcome(state: SessionState, s: Signals, success: int, failure: int) -> Outcome:
    n = state.n
    if not s.prompts and n.get("actions", 0) == 0:
        return Outcome.NO_CLEAR_GOAL
    if s.chitchat and s.edit_total == 0 and n.get("actions", 0) <= 1:
        return Outcome.NO_CLEAR_GOAL
    # Something got done: a change that took, a hard success signal, or agent work the person let run.
    achieved = (
        s.edit_total > s.failed_edits
        or success >= 4
        or (state.last_ok_ts is not None and not s.rejections and not s.final_error and not s.edit_total)
    )
    if not achieved and (failure >= 3 or (s.final_error and n.get("actions", 0) > 0)):
        return Outcome.FAILED
    if failure >= 4 and success <= 3:
        return Outcome.FAILED if not achieved else Outcome.PARTIAL
    if s.unfinished and success <= 3 and n.get("actions", 0) > 0:
        return Outcome.PARTIAL
    if failure >= 3 and success <= 2:
        return Outcome.PARTIAL
    return Outcome.SUCCEEDED
