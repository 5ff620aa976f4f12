"""Outcome and the success and failure signals (METHOD.md facets 3-5).

Hard success signals: a commit or PR, passing tests at the end, explicit affirmation, a clean
verification run (build/lint). Hard failure signals: an unrecovered final error, failing tests at
the end, an explicit complaint. The signals count evidence; the outcome weighs them together with
whether the transcript shows the work finished, partly finished, or never set a task.
"""

from __future__ import annotations

from models.classification import Outcome
from models.classify.signals import Signals
from models.session import SessionState


def failing_end(state: SessionState, s: Signals) -> tuple[bool, bool]:
    """(final error, failing tests at the end), counting a failing test run once: its command's
    error result is the same event as the failed run, not a second unrecovered error."""
    last_test = state.last_test
    tests_fail = bool(last_test and not last_test[1])
    err = state.last_error_ts
    same = tests_fail and err is not None and last_test is not None and err <= last_test[0] + 0.5
    return s.final_error and not same, tests_fail


def success_signal(state: SessionState, s: Signals) -> int:
    n = state.n
    last_test = state.last_test
    changed = s.edit_total > s.failed_edits
    final_error, tests_fail = failing_end(state, s)
    hard = (
        (n.get("commits", 0) > 0)
        + (n.get("pull_requests", 0) > 0 or (s.ships > 0 and not final_error))
        + bool(last_test and last_test[1])
        + (s.affirmations > 0)
    )
    if hard >= 2:
        return 5
    if hard == 1:
        return 4
    if n.get("actions", 0) == 0 and not n.get("words", 0):
        return 0  # nothing came back at all
    if s.goal_less:
        return 1  # a reply to a greeting or a probe: nothing to succeed at
    bad_end = final_error or tests_fail or s.unfinished or s.complaints > 0 or (not changed and s.rejections)
    if bad_end or (s.gave_up and not changed):
        return 1 if changed else 0
    checked = state.cmds.get("lint", 0) + state.cmds.get("build", 0) + state.cmds.get("test", 0)
    if changed and checked:
        return 3  # moderate: changes plus a verification run that did not end in an error
    if s.hedged:
        return 1  # faint: the agent itself is unsure it works
    return 2  # soft: a clean ending without a commit, test or affirmation


def failure_signal(state: SessionState, s: Signals) -> int:
    n = state.n
    refused = s.edit_total > 0 and s.failed_edits >= s.edit_total  # every change it tried was refused
    final_error, tests_fail = failing_end(state, s)
    hard = final_error + tests_fail + (s.complaints > 0) + refused
    if hard >= 2:
        return 5
    if hard == 1:
        return 4
    turns = max(n.get("turns", 0), 1)
    pushback = s.corrections + s.rejections
    if pushback >= 1 or s.gave_up or (s.interrupts >= 2 and s.interrupts * 2 >= turns):
        return 3
    errors = n.get("errors", 0)
    if s.interrupts or s.error_run >= 2 or errors >= 5 or n.get("test_failures", 0) >= 2:
        return 2  # a brief loop: the same step failing more than once in a row
    if errors or n.get("test_failures", 0):
        return 1
    return 0


def outcome(state: SessionState, s: Signals, success: int, failure: int) -> Outcome:
    n = state.n
    actions = n.get("actions", 0)
    if not s.prompts and actions == 0:
        return Outcome.NO_CLEAR_GOAL
    if (s.chitchat or s.goal_less) and s.edit_total == 0 and success < 4:
        return Outcome.NO_CLEAR_GOAL  # greetings, idle questions and probes set no task
    changed = s.edit_total > s.failed_edits
    # Something got done: a change that took, a hard success signal, or agent work the person let run.
    achieved = (
        changed
        or success >= 4
        or (state.last_ok_ts is not None and not s.rejections and not s.final_error and not s.edit_total
            and not s.gave_up)
    )  # fmt: skip
    # Part of the task left undone: a sub-task given up while the rest stands, the person settling
    # for less, or the agent's report of what is not done yet.
    part = s.settled or s.incomplete or (s.gave_up and changed)
    if not achieved and (failure >= 3 or (s.final_error and actions > 0)):
        return Outcome.FAILED
    if failure >= 4:
        # ended on a hard failure: partial only if something is shown to work or stand
        return Outcome.PARTIAL if achieved and (part or success >= 3) else Outcome.FAILED
    if part and achieved:
        return Outcome.PARTIAL
    if s.unfinished and success <= 3 and actions > 0:
        return Outcome.PARTIAL
    return Outcome.SUCCEEDED
