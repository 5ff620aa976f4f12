"""The session aggregate: a reducer that folds events into structure measures and evidence.

Every measure here is order-independent (counts, sums, min/max of time), so events that arrive
out of order or split across batches give the same result. Each event is applied once: the
aggregate keeps 8-byte digests of the event ids it has applied.
"""

from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_left
from dataclasses import dataclass, field
from sys import intern
from typing import Any

from models.counters import EMPTY, MAX_KEYS, bump, opt_intern, own
from models.events import (
    AssistantText,
    Commit,
    Error,
    Event,
    Prompt,
    PullRequest,
    SessionEnd,
    SessionStart,
    TestRun,
    ToolCall,
    ToolResult,
    UserFeedback,
)
from models.evidence import Evidence
from models.features import EDIT_TOOLS, SHELL_TOOLS, changed_lines, command_kind, file_kind, tool_target
from models.language import is_correction
from models.privacy import TextPolicy

__all__ = ["COUNTERS", "EMPTY", "MAX_IDS", "MAX_KEYS", "SessionState", "apply", "event_digest", "new_session",
           "structure"]
MAX_IDS = 20_000  # past this, replays are caught by the source offset only
_COMMAND_TOOLS = SHELL_TOOLS | {"bashoutput"}

COUNTERS = (
    "turns", "actions", "words", "output_tokens", "input_tokens", "lines_added", "lines_removed",
    "commits", "pull_requests", "test_runs", "test_passes", "test_failures", "errors", "user_corrections",
    "tool_errors", "api_errors", "interrupts", "rejected_tools", "affirmations", "complaints",
    "subagent_actions", "events",
)  # fmt: skip


_blake2b = hashlib.blake2b


def event_digest(event_id: str) -> int:
    return int.from_bytes(_blake2b(event_id.encode(), digest_size=8).digest(), "little")


@dataclass(slots=True)
class SessionState:
    session_id: str
    agent: str = "unknown"
    user: str | None = None
    project: str | None = None
    status: str = "open"  # open | closed
    rev: int = 0  # how many times it has been closed; a late event reopens it
    end_reason: str | None = None
    ended: bool = False
    first_ts: float = float("inf")
    last_ts: float = float("-inf")
    end_ts: float | None = None
    last_offset: int = -1
    n: dict[str, int] = field(default_factory=dict)  # COUNTERS
    cost_usd: float = 0.0
    models: dict[str, int] = field(default_factory=lambda: EMPTY)  # EMPTY until the first key
    tools: dict[str, int] = field(default_factory=lambda: EMPTY)
    files: dict[str, int] = field(default_factory=lambda: EMPTY)  # kinds of files edited or written
    reads: dict[str, int] = field(default_factory=lambda: EMPTY)  # kinds of files read
    cmds: dict[str, int] = field(default_factory=lambda: EMPTY)  # kinds of shell commands
    last_test: list[Any] | None = None  # [ts, ok]
    last_error_ts: float | None = None
    last_ok_ts: float | None = None  # last successful tool result
    ids: array = field(default_factory=lambda: array("Q"))
    ids_overflow: int = 0
    evidence: Evidence = field(default_factory=Evidence)

    def count(self, name: str) -> int:
        return self.n.get(name, 0)

    # -- dedup -------------------------------------------------------------------------------
    def seen(self, event_id: str) -> bool:
        """True if the event was applied before; otherwise records it and returns False."""
        digest = int.from_bytes(_blake2b(event_id.encode(), digest_size=8).digest(), "little")  # event_digest
        i = bisect_left(self.ids, digest)
        if i < len(self.ids) and self.ids[i] == digest:
            return True
        if len(self.ids) < MAX_IDS:
            self.ids.insert(i, digest)
        else:
            self.ids_overflow += 1
        return False

    @property
    def model(self) -> str | None:
        return max(self.models.items(), key=lambda kv: (kv[1], kv[0]))[0] if self.models else None

    def clone(self) -> SessionState:
        """A copy to change: the stored state stays as it was until the copy is written back."""
        return SessionState(
            session_id=self.session_id, agent=self.agent, user=self.user, project=self.project,
            status=self.status, rev=self.rev, end_reason=self.end_reason, ended=self.ended,
            first_ts=self.first_ts, last_ts=self.last_ts, end_ts=self.end_ts, last_offset=self.last_offset,
            n=dict(self.n), cost_usd=self.cost_usd, models=own(self.models), tools=own(self.tools),
            files=own(self.files), reads=own(self.reads), cmds=own(self.cmds),
            last_test=list(self.last_test) if self.last_test else None, last_error_ts=self.last_error_ts,
            last_ok_ts=self.last_ok_ts, ids=array("Q", self.ids), ids_overflow=self.ids_overflow,
            evidence=self.evidence.clone(),
        )  # fmt: skip

    # -- serialisation (compact: this is the changelog record) --------------------------------
    def to_dict(self, *, with_ids: bool = True) -> dict[str, Any]:
        d: dict[str, Any] = {
            "session_id": self.session_id, "agent": self.agent, "user": self.user, "project": self.project,
            "status": self.status, "rev": self.rev, "end_reason": self.end_reason, "ended": self.ended,
            "first_ts": self.first_ts if self.first_ts != float("inf") else None,
            "last_ts": self.last_ts if self.last_ts != float("-inf") else None,
            "end_ts": self.end_ts, "last_offset": self.last_offset, "n": self.n, "cost_usd": self.cost_usd,
            "models": self.models or {}, "tools": self.tools or {}, "files": self.files or {},
            "reads": self.reads or {}, "cmds": self.cmds or {}, "last_test": self.last_test,
            "last_error_ts": self.last_error_ts,
            "last_ok_ts": self.last_ok_ts, "ids_overflow": self.ids_overflow,
            "evidence": self.evidence.to_dict(),
        }  # fmt: skip
        if with_ids:
            d["ids"] = self.ids.tobytes().hex()
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SessionState:
        ids = array("Q")
        if d.get("ids"):
            ids.frombytes(bytes.fromhex(d["ids"]))
        return cls(
            session_id=d["session_id"], agent=intern(d["agent"]), user=opt_intern(d["user"]),
            project=opt_intern(d["project"]), status=intern(d["status"]), rev=d["rev"],
            end_reason=opt_intern(d["end_reason"]), ended=d["ended"],
            first_ts=d["first_ts"] if d["first_ts"] is not None else float("inf"),
            last_ts=d["last_ts"] if d["last_ts"] is not None else float("-inf"),
            end_ts=d["end_ts"], last_offset=d["last_offset"], n=d["n"], cost_usd=d["cost_usd"],
            models=d["models"] or EMPTY, tools=d["tools"] or EMPTY, files=d["files"] or EMPTY,
            reads=d["reads"] or EMPTY, cmds=d["cmds"] or EMPTY,
            last_test=d["last_test"], last_error_ts=d["last_error_ts"], last_ok_ts=d["last_ok_ts"],
            ids=ids, ids_overflow=d.get("ids_overflow", 0), evidence=Evidence.from_dict(d["evidence"]),
        )  # fmt: skip


def new_session(
    session_id: str, *, turn_chars: int = 5000, session_chars: int = 25000, text_policy: TextPolicy = "keep"
) -> SessionState:
    return SessionState(session_id=session_id, evidence=Evidence(turn_chars, session_chars, policy=text_policy))


def apply(state: SessionState, event: Event) -> bool:
    """Fold one event into the session. Returns False if it had been applied already."""
    if state.seen(event.event_id):
        return False
    n = state.n
    n["events"] = n.get("events", 0) + 1
    ts = event.ts
    if ts < state.first_ts:  # min() and max(), without the calls
        state.first_ts = ts
    if ts > state.last_ts:
        state.last_ts = ts
    # interned: agents, users and projects repeat across the open sessions
    if event.agent != "unknown" and state.agent == "unknown":
        state.agent = intern(event.agent)
    if not state.user:  # state.user or event.user, as before
        state.user = intern(event.user) if event.user else event.user
    if not state.project:
        state.project = intern(event.project) if event.project else event.project
    if event.model and not event.model.startswith("<"):  # "<synthetic>" is not a model
        state.models = bump(state.models, event.model)
    ev = state.evidence

    if isinstance(event, ToolCall):
        _on_tool_call(state, event)
    elif isinstance(event, ToolResult):
        _on_tool_result(state, event)
    elif isinstance(event, Prompt):
        n["turns"] = n.get("turns", 0) + 1
        correction = event.correction if event.correction is not None else is_correction(event.text)
        if correction:
            n["user_corrections"] = n.get("user_corrections", 0) + 1
        ev.add(ts, "prompt", event.text, new_turn=True)
    elif isinstance(event, AssistantText):
        words = event.words if event.words is not None else len(event.text.split())
        n["words"] = n.get("words", 0) + words
        n["output_tokens"] = n.get("output_tokens", 0) + event.output_tokens
        n["input_tokens"] = n.get("input_tokens", 0) + event.input_tokens
        state.cost_usd += event.cost_usd
        if event.text:
            ev.add(ts, "assistant", event.text)
    elif isinstance(event, Commit):
        if event.ok:
            n["commits"] = n.get("commits", 0) + 1
        ev.add(ts, "result", f"git commit {'ok' if event.ok else 'FAILED'}: {event.message[:120]}")
    elif isinstance(event, PullRequest):
        if event.ok:
            n["pull_requests"] = n.get("pull_requests", 0) + 1
        ev.add(ts, "result", f"pull request {'opened' if event.ok else 'FAILED'} {event.url or ''}")
    elif isinstance(event, TestRun):
        n["test_runs"] = n.get("test_runs", 0) + 1
        key = "test_passes" if event.ok else "test_failures"
        n[key] = n.get(key, 0) + 1
        if state.last_test is None or ts >= state.last_test[0]:
            state.last_test = [ts, event.ok]
        ev.add(ts, "result", f"tests {'passed' if event.ok else 'FAILED'}: {event.command[:160]}")
    elif isinstance(event, Error):
        n["errors"] = n.get("errors", 0) + 1
        n["api_errors"] = n.get("api_errors", 0) + 1
        state.last_error_ts = max(state.last_error_ts or ts, ts)
        ev.add(ts, "error", f"{event.kind}: {event.message}")
    elif isinstance(event, UserFeedback):
        _on_feedback(state, event)
    elif isinstance(event, SessionEnd):
        state.ended = True
        state.end_reason = intern(event.reason)
        state.end_ts = max(state.end_ts or ts, ts)
    elif isinstance(event, SessionStart) and not state.project:
        state.project = intern(event.cwd) if event.cwd else event.cwd
    return True


def _on_tool_call(state: SessionState, event: ToolCall) -> None:
    n = state.n
    n["actions"] = n.get("actions", 0) + 1
    if event.subagent:
        n["subagent_actions"] = n.get("subagent_actions", 0) + 1
    state.tools = bump(state.tools, event.name)
    lname = event.name.lower()
    command, path = tool_target(event.name, event.input)
    added, removed = event.lines_added, event.lines_removed
    if not (added or removed) and lname in EDIT_TOOLS:
        added, removed = changed_lines(event.name, event.input)
    n["lines_added"] = n.get("lines_added", 0) + added
    n["lines_removed"] = n.get("lines_removed", 0) + removed
    if path:
        if lname in EDIT_TOOLS:
            state.files = bump(state.files, file_kind(path))
        else:
            state.reads = bump(state.reads, file_kind(path))
    if command and lname in _COMMAND_TOOLS:
        state.cmds = bump(state.cmds, command_kind(command))
    target = command or path or next((str(v) for v in event.input.values() if isinstance(v, str)), "")
    state.evidence.add(event.ts, "tool", f"{event.name}: {target}" if target else event.name)


def _on_tool_result(state: SessionState, event: ToolResult) -> None:
    n = state.n
    n["lines_added"] = n.get("lines_added", 0) + event.lines_added
    n["lines_removed"] = n.get("lines_removed", 0) + event.lines_removed
    if event.rejected:
        n["rejected_tools"] = n.get("rejected_tools", 0) + 1
        n["user_corrections"] = n.get("user_corrections", 0) + 1
        state.evidence.add(event.ts, "error", "user rejected the tool use")
    elif event.is_error:
        n["errors"] = n.get("errors", 0) + 1
        n["tool_errors"] = n.get("tool_errors", 0) + 1
        state.last_error_ts = max(state.last_error_ts or event.ts, event.ts)
        state.evidence.add(event.ts, "error", f"{event.name or 'tool'} error: {event.output}")
    else:
        state.last_ok_ts = max(state.last_ok_ts or event.ts, event.ts)


def _on_feedback(state: SessionState, event: UserFeedback) -> None:
    n = state.n
    kind = event.kind
    if kind in ("interrupt", "reject", "correction"):
        n["user_corrections"] = n.get("user_corrections", 0) + 1
        if kind == "interrupt":
            n["interrupts"] = n.get("interrupts", 0) + 1
    elif kind == "affirm":
        n["affirmations"] = n.get("affirmations", 0) + 1
    elif kind == "complaint":
        n["complaints"] = n.get("complaints", 0) + 1
    state.evidence.add(event.ts, "prompt" if event.text else "error", f"[user {kind}] {event.text}")


def structure(state: SessionState) -> dict[str, Any]:
    """The per-session structure measures of METHOD.md."""
    n = state.n
    turns = n.get("turns", 0)
    actions = n.get("actions", 0)
    added, removed = n.get("lines_added", 0), n.get("lines_removed", 0)
    first = state.first_ts if state.first_ts != float("inf") else None
    last = state.last_ts if state.last_ts != float("-inf") else None
    return {
        "turns": turns,
        "actions": actions,
        "actions_per_prompt": actions / turns if turns else None,
        "words_per_turn": n.get("words", 0) / turns if turns else None,
        "lines_added": added,
        "lines_removed": removed,
        "code_changed": added + removed > 0,
        "commits": n.get("commits", 0),
        "pull_requests": n.get("pull_requests", 0),
        "test_runs": n.get("test_runs", 0),
        "test_passes": n.get("test_passes", 0),
        "test_failures": n.get("test_failures", 0),
        "errors": n.get("errors", 0),
        "user_corrections": n.get("user_corrections", 0),
        "duration_s": (last - first) if first is not None and last is not None else 0.0,
        "output_tokens": n.get("output_tokens", 0),
        "events": n.get("events", 0),
    }
