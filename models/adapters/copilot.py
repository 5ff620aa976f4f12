"""GitHub Copilot CLI event logs (session-state events.jsonl) as native events.

Records are {type, data, id, timestamp, parentId}. Decisions:
- Prompt: `user.message` (data.content, what the person typed; transformedContent adds context).
- Assistant words and output tokens: `assistant.message` (content, outputTokens).
- Action: each of an assistant message's toolRequests; `tool.execution_start` repeats them
  (same toolCallId, so one action), and stands in when the request was not logged.
- Tool result: `tool.execution_complete`; success false is a tool error, a denied permission a
  rejection by the person.
- Interrupt: `abort`; session end: `session.shutdown`; errors: `session.error`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from models.adapters.base import (
    AdapterResult,
    Line,
    as_count,
    as_dict,
    as_list,
    as_str,
    cut,
    stable_id,
    text_of,
)  # fmt: skip
from models.adapters.parser import LineParser
from models.events import (
    AssistantText,
    Error,
    Event,
    EventType,
    Prompt,
    SessionEnd,
    ToolCall,
    UserFeedback,
)  # fmt: skip


def _lines(text: Any) -> int:
    return text.count("\n") + 1 if isinstance(text, str) and text else 0


def edit_lines(name: str, args: dict[str, Any]) -> tuple[int, int]:
    """Lines added and removed by Copilot's edit and create tools (old_str/new_str, file_text)."""
    if name == "edit":
        return _lines(args.get("new_str")), _lines(args.get("old_str"))
    if name == "create":
        return _lines(args.get("file_text")), 0
    return 0, 0


class CopilotParser(LineParser):
    agent = "copilot_cli"

    session_record = ("session.start", "data", "sessionId")

    def __init__(self, *, session_hint: str | None = None, user: str | None = None) -> None:
        super().__init__(session_hint=session_hint, user=user)
        self.denied: set[str] = set()  # call ids whose permission the person denied

    def record(self, rec: dict[str, Any], raw: Line, source: str, lineno: int, **opts: Any) -> list[Event]:
        rid = as_str(rec.get("id"))[:180] or stable_id(source, lineno, raw)
        ts = self.ts(rec.get("timestamp"))
        data = as_dict(rec.get("data"))
        rtype = rec.get("type")
        if ts is None:
            return []
        if rtype == "session.model_change":
            self.model = as_str(data.get("newModel"))[:100] or self.model
            return []
        if rtype == "session.start":
            return self._start(data, ts)
        common = self.common()
        if rtype == "user.message":
            text = as_str(data.get("content"))
            return [Prompt(type=EventType.PROMPT, event_id=rid, ts=ts, text=text, **common)] if text.strip() else []
        if rtype == "assistant.message":
            return self._assistant(data, rid, ts)
        if rtype == "tool.execution_start":
            return self._call(as_str(data.get("toolCallId")), as_str(data.get("toolName")),
                              as_dict(data.get("arguments")), ts)  # fmt: skip
        if rtype == "tool.execution_complete":
            return self._result(data, rid, ts)
        if rtype == "permission.completed":
            if as_str(as_dict(data.get("result")).get("kind")).startswith("denied"):
                self.denied.add(as_str(data.get("toolCallId")))
            return []
        if rtype == "abort":
            return [UserFeedback(type=EventType.USER_FEEDBACK, event_id=rid, ts=ts, kind="interrupt", **common)]
        if rtype == "session.error":
            return [Error(type=EventType.ERROR, event_id=rid, ts=ts, kind=as_str(data.get("errorType"))[:64] or
                          "api_error", message=cut(as_str(data.get("message")), 1000), **common)]  # fmt: skip
        if rtype == "session.shutdown":
            return [SessionEnd(type=EventType.SESSION_END, event_id=f"{self.session_id}:end", ts=ts,
                               reason=as_str(data.get("shutdownType"))[:64] or "exit", **common)]  # fmt: skip
        return []

    def _start(self, data: dict[str, Any], ts: float) -> list[Event]:
        context = as_dict(data.get("context"))
        cwd = as_str(context.get("cwd"))
        self.note_cwd(cwd)
        self.model = as_str(data.get("selectedModel"))[:100] or self.model
        return [self.session_start(ts, cwd, as_str(data.get("copilotVersion")))]  # every start record, not once

    def _assistant(self, data: dict[str, Any], rid: str, ts: float) -> list[Event]:
        model = as_str(data.get("model"))[:100]
        if model:
            self.model = model
        events: list[Event] = []
        for request in as_list(data.get("toolRequests")):
            request = as_dict(request)
            events += self._call(as_str(request.get("toolCallId")), as_str(request.get("name")),
                                 as_dict(request.get("arguments")), ts)  # fmt: skip
        text = as_str(data.get("content"))
        tokens = as_count(data.get("outputTokens"))
        if text or tokens:
            events.append(AssistantText(type=EventType.ASSISTANT_TEXT, event_id=f"{rid}:text", ts=ts, text=text,
                                        output_tokens=tokens, **self.common(model)))  # fmt: skip
        return events

    def _call(self, call_id: str, name: str, args: dict[str, Any], ts: float) -> list[Event]:
        if not call_id:
            return []
        call_id, name = call_id[:200], name[:200] or "unknown"
        self.calls.setdefault(call_id, (name, args))
        added, removed = edit_lines(name, args)
        return [ToolCall(type=EventType.TOOL_CALL, event_id=call_id, ts=ts, call_id=call_id, name=name, input=args,
                         lines_added=added, lines_removed=removed, **self.common())]  # fmt: skip

    def _result(self, data: dict[str, Any], rid: str, ts: float) -> list[Event]:
        call_id = as_str(data.get("toolCallId"))[:200] or rid
        result, error = as_dict(data.get("result")), as_dict(data.get("error"))
        output = text_of(result.get("content")) or as_str(error.get("message"))
        rejected = call_id in self.denied or as_str(error.get("code")) in ("denied", "rejected")
        return self.tool_result(call_id, ts, output, is_error=data.get("success") is False, rejected=rejected)


def parse_copilot(
    lines: Sequence[Line], *, source: str = "main", session_hint: str | None = None, user: str | None = None
) -> AdapterResult:
    """Events of one Copilot CLI session event log."""
    return CopilotParser.parse(lines, source=source, session_hint=session_hint, user=user)
