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

from models.adapters.base import AdapterResult, AgentName, Line, Problem, epoch_or_none, first_ts, load_record
from models.events import Event


class LineParser(ABC):
    agent: ClassVar[AgentName]
    session_keys: ClassVar[tuple[str, ...]] = ("sessionId",)

    def __init__(self, *, session_hint: str | None = None, user: str | None = None) -> None:
        self.session_id: str | None = None
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
