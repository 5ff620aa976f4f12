"""OpenAI Codex CLI rollouts (~/.codex/sessions/**/rollout-*.jsonl) as native events.

Records are {timestamp, type, payload} with type session_meta, turn_context, response_item or
event_msg. Decisions, chosen so Codex sessions compare with Claude Code ones:
- Prompt: an `event_msg` user_message (what the person typed). The `response_item` user messages
  repeat it next to injected context (AGENTS.md, environment), so they are not counted.
- Assistant words: `response_item` assistant messages (`event_msg` agent_message repeats them).
- Action: a function_call, custom_tool_call, local_shell_call, web_search_call or tool_search_call.
- Tool error: an output reporting a non-zero exit code.
- Output tokens: `token_count` reports running totals; each record carries the growth.
- Interrupt: `turn_aborted`; API errors: `event_msg` error / stream_error.
Records carry no ids, so event ids hash the file-relative name, line number and line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from models.adapters.base import (
    AdapterResult,
    Line,
    as_count,
    as_dict,
    as_str,
    cut,
    patch_lines,
    stable_id,
    text_of,
)  # fmt: skip
from models.adapters.derive import exit_code
from models.adapters.parser import LineParser, Tokens, token_growth
from models.events import (
    AssistantText,
    Error,
    Event,
    EventType,
    Prompt,
    ToolCall,
    UserFeedback,
)  # fmt: skip

CALL_TYPES = frozenset({"function_call", "custom_tool_call", "local_shell_call", "web_search_call", "tool_search_call"})
OUTPUT_TYPES = frozenset({"function_call_output", "custom_tool_call_output", "local_shell_call_output",
                          "tool_search_output"})  # fmt: skip


def _arguments(payload: dict[str, Any]) -> dict[str, Any]:
    """A call's input as a dict: JSON `arguments`, raw `input` (apply_patch) or `action`."""
    args = payload.get("arguments")
    if isinstance(args, str):
        try:
            parsed = orjson.loads(args)
        except orjson.JSONDecodeError:
            return {"arguments": cut(args)}
        return parsed if isinstance(parsed, dict) else {"arguments": parsed}
    if isinstance(args, dict):
        return args
    if isinstance(payload.get("input"), str):
        return {"input": payload["input"]}
    action = as_dict(payload.get("action"))
    if action.get("type") == "exec" and "command" in action:  # local_shell_call
        return {"command": action.get("command")}
    return action


class CodexParser(LineParser):
    agent = "codex"

    session_record = ("session_meta", "payload", "id")

    def __init__(self, *, session_hint: str | None = None, user: str | None = None) -> None:
        super().__init__(session_hint=session_hint, user=user)
        self.tokens: Tokens = (0, 0)  # running (output, input) totals seen so far

    def record(self, rec: dict[str, Any], raw: Line, source: str, lineno: int, **opts: Any) -> list[Event]:
        rid = stable_id(source, lineno, raw)
        ts = self.ts(rec.get("timestamp"))
        payload = as_dict(rec.get("payload"))
        rtype, ptype = rec.get("type"), payload.get("type")
        if ts is None:
            return []
        if rtype == "session_meta":
            return self._meta(payload, ts)
        if rtype == "turn_context":
            self.model = as_str(payload.get("model"))[:100] or self.model
            return []
        if rtype == "response_item":
            return self._item(payload, ptype, rid, ts)
        if rtype == "event_msg":
            return self._event(payload, ptype, rid, ts)
        return []

    def _meta(self, payload: dict[str, Any], ts: float) -> list[Event]:
        cwd = as_str(payload.get("cwd"))
        self.note_cwd(cwd)
        return self.first_start(ts, cwd, as_str(payload.get("cli_version")))

    def _item(self, payload: dict[str, Any], ptype: Any, rid: str, ts: float) -> list[Event]:
        common = self.common()
        if ptype == "message" and payload.get("role") == "assistant":
            text = text_of(payload.get("content"))
            if not text:
                return []
            return [AssistantText(type=EventType.ASSISTANT_TEXT, event_id=f"{rid}:text", ts=ts, text=text,
                                  **common)]  # fmt: skip
        if ptype in CALL_TYPES:
            call_id = as_str(payload.get("call_id"))[:200] or as_str(payload.get("id"))[:200] or rid
            name = as_str(payload.get("name"))[:200] or str(ptype).removesuffix("_call")
            tool_input = _arguments(payload)
            added, removed = patch_lines(as_str(tool_input.get("input"))) if name == "apply_patch" else (0, 0)
            self.calls[call_id] = (name, tool_input)
            return [ToolCall(type=EventType.TOOL_CALL, event_id=call_id, ts=ts, call_id=call_id, name=name,
                             input=tool_input, lines_added=added, lines_removed=removed, **common)]  # fmt: skip
        if ptype in OUTPUT_TYPES:
            call_id = as_str(payload.get("call_id"))[:200] or rid
            output = payload.get("output")
            text = output if isinstance(output, str) else text_of(as_dict(output).get("content") or output)
            code = exit_code(text[:400])
            return self.tool_result(call_id, ts, text, is_error=code is not None and code != 0)
        return []

    def _event(self, payload: dict[str, Any], ptype: Any, rid: str, ts: float) -> list[Event]:
        common = self.common()
        if ptype == "user_message":
            text = as_str(payload.get("message"))
            if not text.strip():
                return []
            return [Prompt(type=EventType.PROMPT, event_id=f"{rid}:prompt", ts=ts, text=text, **common)]
        if ptype == "token_count":
            total = as_dict(as_dict(payload.get("info")).get("total_token_usage"))
            out, inp = as_count(total.get("output_tokens")), as_count(total.get("input_tokens"))
            self.tokens, (out_delta, in_delta) = token_growth(self.tokens, out, inp)
            if not out_delta and not in_delta:
                return []
            return [AssistantText(type=EventType.ASSISTANT_TEXT, event_id=f"{rid}:tokens", ts=ts,
                                  output_tokens=out_delta, input_tokens=in_delta, **common)]  # fmt: skip
        if ptype == "turn_aborted" and payload.get("reason") in (None, "interrupted"):
            return [UserFeedback(type=EventType.USER_FEEDBACK, event_id=f"{rid}:interrupt", ts=ts,
                                 kind="interrupt", **common)]  # fmt: skip
        if ptype in ("error", "stream_error"):
            return [Error(type=EventType.ERROR, event_id=f"{rid}:error", ts=ts, kind="api_error",
                          message=cut(as_str(payload.get("message")), 1000), **common)]  # fmt: skip
        return []


def parse_codex(
    lines: Sequence[Line], *, source: str = "main", session_hint: str | None = None, user: str | None = None
) -> AdapterResult:
    """Events of one Codex CLI rollout file."""
    return CodexParser.parse(lines, source=source, session_hint=session_hint, user=user)
