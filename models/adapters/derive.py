"""Outcome events derived from a shell tool call and its result: commits, pull requests, test runs.

Shared by every adapter, so "a successful git commit" means the same thing for each agent. A
derived event's id is the call id plus a suffix (a PR's id is its URL), so deriving twice, or
from a `pr-link` record as well as the `gh pr create` call, yields one event downstream.
"""

from __future__ import annotations

import re
from typing import Any

from models.adapters.base import cut, stable_id
from models.events import Commit, Event, EventType, PullRequest, TestRun
from models.features import SHELL_TOOLS, command_kind, tool_target

_GIT_COMMIT = re.compile(r"(?:^|[;&|(\s])git\s+(?:(?:-C|-c)\s+\S+\s+|--?[\w-]+(?:=\S+)?\s+)*commit\b")
_GH_PR_CREATE = re.compile(r"\bgh\s+pr\s+create\b")
_COMMIT_LINE = re.compile(r"^\[[^\]\n]*?\s([0-9a-f]{7,40})\]\s?(.*)$", re.MULTILINE)
_PR_URL = re.compile(r"https://[\w.-]+/[\w.-]+/[\w.-]+/pull/\d+")
_EXIT = re.compile(
    r"(?:^Exit code:? (\d+)|Process exited with code (\d+)|completed with exit code (\d+)|exit status (\d+))",
    re.MULTILINE | re.IGNORECASE,
)
_COMMIT_FAILED = re.compile(r"nothing to commit|no changes added to commit|^fatal:|^error:", re.MULTILINE)
_BACKGROUND = re.compile(r"running in background|started in background|<shellId: \d+ running", re.IGNORECASE)
_COUNTS = (  # (passed, failed) as reported by common runners
    re.compile(r"(?:(?P<f>\d+) failed)?[, ]*(?:(?P<p>\d+) passed)"),  # pytest, vitest, jest
    re.compile(r"(?P<t>\d+) tests?, (?P<f>\d+) failures?"),  # mix test, rspec
    re.compile(r"test result: \w+\. (?P<p>\d+) passed; (?P<f>\d+) failed"),  # cargo
)


def shell_command(name: str, tool_input: dict[str, Any]) -> str | None:
    """The command line of a shell tool call, or None for any other tool."""
    if name.lower() not in SHELL_TOOLS:
        return None
    command, _ = tool_target(name, tool_input)
    return command or None


def exit_code(output: str) -> int | None:
    m = _EXIT.search(output)
    if not m:
        return None
    return int(next(g for g in m.groups() if g is not None))


def _counts(output: str) -> tuple[int | None, int | None]:
    for pattern in _COUNTS:
        found = [m for m in pattern.finditer(output) if m.group(0).strip()]
        if not found:
            continue
        m = found[-1]  # runners print the summary last
        groups = m.groupdict()
        failed = int(groups["f"]) if groups.get("f") else 0
        if groups.get("p"):
            return int(groups["p"]), failed
        if groups.get("t"):
            return max(int(groups["t"]) - failed, 0), failed
    return None, None


def derive(
    *, call_id: str, name: str, tool_input: dict[str, Any], output: str, is_error: bool, ts: float,
    common: dict[str, Any],
) -> list[Event]:  # fmt: skip
    """Commit, pull-request and test-run events implied by one finished shell call."""
    command = shell_command(name, tool_input)
    if not command or _BACKGROUND.search(output[:500]):
        return []
    code = exit_code(output)
    failed_run = is_error or (code is not None and code != 0)
    events: list[Event] = []
    if _GIT_COMMIT.search(command):
        m = _COMMIT_LINE.search(output)
        # the "[branch sha] message" line proves the commit even when a chained command failed later
        ok = bool(m) or (not failed_run and not _COMMIT_FAILED.search(output))
        events.append(Commit(
            type=EventType.COMMIT, event_id=f"{call_id}:commit", ts=ts, ok=ok,
            sha=m.group(1) if m else None, message=cut(m.group(2) if m else "", 500), **common,
        ))  # fmt: skip
    if _GH_PR_CREATE.search(command):
        url = _PR_URL.search(output)
        ok = bool(url) and not failed_run
        event_id = pr_event_id(url.group(0)) if url and ok else f"{call_id}:pr"
        events.append(PullRequest(
            type=EventType.PULL_REQUEST, event_id=event_id, ts=ts, ok=ok,
            url=url.group(0) if url else None, **common,
        ))  # fmt: skip
    if command_kind(command) == "test":
        passed, failed = _counts(output)
        ok = not failed_run and not failed
        events.append(TestRun(
            type=EventType.TEST_RUN, event_id=f"{call_id}:test", ts=ts, ok=ok, command=cut(command, 500),
            passed=passed, failed=failed, **common,
        ))  # fmt: skip
    return events


def pr_event_id(url: str) -> str:
    """One id per pull request, whichever record announced it."""
    return stable_id("pr", url.rstrip("/"))
