"""The incremental line parser every adapter builds on.

A parser is fed a file's lines in order, possibly in several chunks (a live file that grows), and
returns only events it has not returned before. Its state (session id, known tool calls, token
counts per message, ids emitted) is what lets a later chunk be read correctly, e.g. a tool result
whose call came in an earlier chunk. Feeding the same lines again yields nothing new.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

from models.adapters.base import (
    AdapterResult,
    AgentName,
    Line,
    Problem,
    as_dict,
    cut,
    epoch_or_none,
    first_ts,
    load_record,
    project_of,
    user_of,
)  # fmt: skip
from models.adapters.derive import derive
from models.events import Event, EventType, SessionStart, ToolResult

Tokens = tuple[int, int]  # (output, input)


def token_growth(seen: Tokens, output: int, input_: int) -> tuple[Tokens, Tokens]:
    """(new running totals, growth since `seen`) for a usage that only grows while it streams."""
    seen_out, seen_in = seen
    return (max(output, seen_out), max(input_, seen_in)), (max(output - seen_out, 0), max(input_ - seen_in, 0))


class LineParser(ABC):
    agent: ClassVar[AgentName]
    session_keys: ClassVar[tuple[str, ...]] = ("sessionId",)  # top-level keys that hold the session id
    # (record type, object key, id key) when one start record holds the id in a nested object instead
    session_record: ClassVar[tuple[str, str, str] | None] = None

    def __init__(self, *, session_hint: str | None = None, user: str | None = None) -> None:
        self.session_id: str | None = None
        self.calls: dict[str, tuple[str, dict[str, Any]]] = {}  # call id -> (tool name, input), for its result
        self.started = False  # session_start emitted
        self.session_hint = session_hint
        self.user = user
        self.model: str | None = None
        self.project: str | None = None
        self.problems: list[Problem] = []
        self.emitted: set[str] = set()
        self.last_ts: float | None = None
        self._fallback_ts: float | None = None

    # -- subclasses ----------------------------------------------------------------------------
    @abstractmethod
    def record(self, rec: dict[str, Any], raw: Line, source: str, lineno: int, **opts: Any) -> list[Event]:
        """Events of one parsed record (may raise on surprising shapes; the caller reports it)."""

    def session_of(self, rec: dict[str, Any]) -> str | None:
        if self.session_record is not None:
            rtype, obj, key = self.session_record
            if rec.get("type") != rtype:
                return None
            value = as_dict(rec.get(obj)).get(key)
            return value[:200] if isinstance(value, str) and value else None
        for key in self.session_keys:
            value = rec.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()[:200]
        return None

    # -- shared --------------------------------------------------------------------------------
    def feed(self, lines: Sequence[Line], source: str = "main", start_line: int = 1, **opts: Any) -> list[Event]:
        """New events of the next lines of one file (`start_line` is the 1-based number of lines[0])."""
        if self.session_id is None:
            self.session_id = self._find_session(lines)
        if self.last_ts is None:
            self._fallback_ts = first_ts(lines)
        out: list[Event] = []
        for i, raw in enumerate(lines):
            lineno = start_line + i
            rec, why = load_record(raw)
            if rec is None:
                if why:
                    self.problems.append(Problem(source, lineno, why))
                continue
            try:
                events = self.record(rec, raw, source, lineno, **opts)
            except Exception as exc:  # a surprising record must not stop the file
                self.problems.append(Problem(source, lineno, f"could not interpret record: {exc!r}"[:300]))
                continue
            for event in events:
                if event.event_id not in self.emitted:
                    self.emitted.add(event.event_id)
                    out.append(event)
        return out

    def _find_session(self, lines: Sequence[Line]) -> str | None:
        for raw in lines:
            rec, _ = load_record(raw)
            found = self.session_of(rec) if rec is not None else None
            if found:
                return found
        return self.session_hint

    def ts(self, value: Any) -> float | None:
        """The record's time, or the time of the record before it when it carries none."""
        ts = epoch_or_none(value)
        if ts is not None:
            self.last_ts = ts
            return ts
        return self.last_ts if self.last_ts is not None else self._fallback_ts

    def common(self, model: str | None = None) -> dict[str, Any]:
        name = model or self.model
        return {
            "session_id": self.session_id or "unknown",
            "agent": self.agent,
            "model": name[:100] if name else None,
            "project": self.project,
            "user": self.user,
        }

    def result(self, events: list[Event]) -> AdapterResult:
        return AdapterResult(self.session_id or self.session_hint or "", self.agent, events, list(self.problems))

    @classmethod
    def parse(
        cls, lines: Sequence[Line], *, source: str = "main", session_hint: str | None = None, user: str | None = None
    ) -> AdapterResult:
        """Events of one whole file, read at once."""
        parser = cls(session_hint=session_hint, user=user)
        return parser.result(parser.feed(lines, source))

    def note_cwd(self, cwd: str) -> None:
        """Project and user from the working folder, unless already known."""
        if cwd:
            self.project = self.project or project_of(cwd)
            self.user = self.user or user_of(cwd)

    def session_start(self, ts: float, cwd: str, version: str) -> SessionStart:
        return SessionStart(type=EventType.SESSION_START, event_id=f"{self.session_id}:start", ts=ts,
                            cwd=cwd or None, agent_version=version[:64] or None, **self.common())  # fmt: skip

    def first_start(self, ts: float, cwd: str, version: str) -> list[Event]:
        """The session_start event, once, and only when the session id is known."""
        if self.started or not self.session_id:
            return []
        self.started = True
        return [self.session_start(ts, cwd, version)]

    def tool_result(self, call_id: str, ts: float, output: str, *, is_error: bool, **fields: Any) -> list[Event]:
        """A tool_result, plus the commits, PRs and test runs its call and output show (when the call is known)."""
        name, tool_input = self.calls.get(call_id) or (None, {})
        common = self.common()
        events: list[Event] = [ToolResult(
            type=EventType.TOOL_RESULT, event_id=f"{call_id}:result", ts=ts, call_id=call_id, name=name,
            is_error=is_error, output=cut(output), **fields, **common,
        )]  # fmt: skip
        if name:
            events += derive(call_id=call_id, name=name, tool_input=tool_input, output=output,
                             is_error=is_error, ts=ts, common=common)  # fmt: skip
        return events
