"""Claude Code transcripts (~/.claude/projects/<project>/<session>.jsonl) as native events.

Covers 1.0.x (summary records first, sub-agent records inline with isSidechain) to 2.1.x
(progress and attachment records, sub-agent files under <session>/subagents/). Decisions:
- Session: the first `sessionId` in the file; sub-agent files and sidechain records belong to it.
- Sub-agent work is read from its file and from `agent_progress` copies in the main file (a main
  file copied without its subagents/ folder still shows that work); a record uuid is read once.
- `agent-acompact-*` files are the tool compacting the context, not agent actions: skipped.
- Tokens: one API response is split over records sharing message.id, each repeating a usage that
  grows while streaming; each record carries the growth, so a message adds up to its final usage.
- Lines: from the Edit/MultiEdit/Write input on the tool call; `toolUseResult.structuredPatch` is
  used only when the call itself is not in the transcript (one source per call, never both).
- Event ids: record uuid, tool_use id, or a hash of the file-relative name, line number and line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
from models.adapters.claude_rules import is_rejection, queued_prompt, structured_patch_lines, user_text_kind
from models.adapters.derive import pr_event_id
from models.adapters.parser import LineParser, Tokens, token_growth
from models.events import (
    AssistantText,
    Error,
    Event,
    EventType,
    Prompt,
    PullRequest,
    ToolCall,
    UserFeedback,
)  # fmt: skip
from models.features import EDIT_TOOLS, changed_lines

COMPACTION_PREFIX = "agent-acompact"


class ClaudeCodeParser(LineParser):
    agent = "claude_code"

    def __init__(self, *, session_hint: str | None = None, user: str | None = None) -> None:
        super().__init__(session_hint=session_hint, user=user)
        self.seen_uuids: set[str] = set()
        self.usage: dict[str, Tokens] = {}  # message.id -> (output, input) tokens so far

    def record(self, rec: dict[str, Any], raw: Line, source: str, lineno: int, **opts: Any) -> list[Event]:
        rid = stable_id(source, lineno, raw)
        return self._record(rec, rid, sidechain=bool(opts.get("sidechain")))

    def _record(self, rec: dict[str, Any], rid: str, *, sidechain: bool) -> list[Event]:
        uuid = rec.get("uuid")
        if isinstance(uuid, str) and uuid:
            if uuid in self.seen_uuids:
                return []  # the same record again: a sub-agent copy or a continued session's history
            self.seen_uuids.add(uuid)
            rid = uuid[:180]
        ts = self.ts(rec.get("timestamp"))
        if ts is None:
            return []  # nothing in the file so far has a time; no event can be placed
        cwd = as_str(rec.get("cwd"))
        self.note_cwd(cwd)
        events = self.first_start(ts, cwd, as_str(rec.get("version")))
        sidechain = sidechain or rec.get("isSidechain") is True
        rtype = rec.get("type")
        if rtype == "assistant":
            events += self._assistant(rec, rid, ts, sidechain)
        elif rtype == "user":
            events += self._user(rec, rid, ts, sidechain)
        elif rtype == "system" and rec.get("subtype") == "api_error":
            message = as_str(rec.get("content")) or str(rec.get("error") or "API error")
            events.append(Error(type=EventType.ERROR, event_id=f"{rid}:error", ts=ts, kind="api_error",
                                message=cut(message, 1000), **self.common()))  # fmt: skip
        elif rtype == "pr-link":
            url = as_str(rec.get("prUrl"))
            events.append(PullRequest(type=EventType.PULL_REQUEST, event_id=pr_event_id(url) if url else rid,
                                      ts=ts, url=url[:500] or None, **self.common()))  # fmt: skip
        elif rtype == "progress":
            data = as_dict(rec.get("data"))
            nested = data.get("message")
            if data.get("type") == "agent_progress" and isinstance(nested, dict):
                inner = {**nested, "cwd": rec.get("cwd")}
                events += self._record(inner, stable_id(rid, "agent_progress"), sidechain=True)
        elif rtype == "attachment":
            text = queued_prompt(rec)
            if text and not sidechain:
                events.append(Prompt(type=EventType.PROMPT, event_id=f"{rid}:prompt", ts=ts, text=text,
                                     **self.common()))  # fmt: skip
        return events

    def _assistant(self, rec: dict[str, Any], rid: str, ts: float, sidechain: bool) -> list[Event]:
        msg = as_dict(rec.get("message"))
        model = as_str(msg.get("model"))
        content = msg.get("content")
        blocks = [b for b in as_list(content) if isinstance(b, dict)]
        if model == "<synthetic>" or rec.get("isApiErrorMessage") is True:
            kind = "synthetic" if model == "<synthetic>" else "api_error"
            return [Error(type=EventType.ERROR, event_id=f"{rid}:error", ts=ts, kind=kind,
                          message=cut(text_of(content), 1000), **self.common())]  # fmt: skip
        if model:
            self.model = model
        common = self.common(model)
        events: list[Event] = []
        texts = [b["text"] for b in blocks if b.get("type") == "text" and isinstance(b.get("text"), str)]
        if isinstance(content, str):
            texts.append(content)
        for i, block in enumerate(blocks):
            if block.get("type") != "tool_use":
                continue
            call_id = as_str(block.get("id"))[:200] or stable_id(rid, i)
            name = as_str(block.get("name"))[:200] or "unknown"
            tool_input = as_dict(block.get("input"))
            added, removed = changed_lines(name, tool_input) if name.lower() in EDIT_TOOLS else (0, 0)
            self.calls[call_id] = (name, tool_input)
            events.append(ToolCall(
                type=EventType.TOOL_CALL, event_id=call_id, ts=ts, call_id=call_id, name=name, input=tool_input,
                lines_added=added, lines_removed=removed, subagent=sidechain, **common,
            ))  # fmt: skip
        out_delta, in_delta = self._usage_growth(as_str(msg.get("id")) or rid, as_dict(msg.get("usage")))
        if texts or out_delta or in_delta:
            events.append(AssistantText(
                type=EventType.ASSISTANT_TEXT, event_id=f"{rid}:text", ts=ts, text="\n".join(texts),
                output_tokens=out_delta, input_tokens=in_delta, **common,
            ))  # fmt: skip
        return events

    def _usage_growth(self, message_id: str, usage: dict[str, Any]) -> tuple[int, int]:
        out = as_count(usage.get("output_tokens"))
        inp = sum(as_count(usage.get(k)) for k in
                  ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"))  # fmt: skip
        self.usage[message_id], growth = token_growth(self.usage.get(message_id, (0, 0)), out, inp)
        return growth

    def _user(self, rec: dict[str, Any], rid: str, ts: float, sidechain: bool) -> list[Event]:
        msg = as_dict(rec.get("message"))
        content = msg.get("content")
        tool_use_result = rec.get("toolUseResult")
        events: list[Event] = []
        results = [b for b in as_list(content) if isinstance(b, dict) and b.get("type") == "tool_result"]
        for i, block in enumerate(results):
            events += self._tool_result(block, rid, i, ts, tool_use_result if len(results) == 1 else None)
        if isinstance(content, str):
            text = content
        else:
            text = text_of([b for b in as_list(content) if isinstance(b, dict) and b.get("type") == "text"])
        kind, prompt = user_text_kind(text, rec, sidechain=sidechain)
        if kind == "prompt":
            events.append(Prompt(type=EventType.PROMPT, event_id=f"{rid}:prompt", ts=ts, text=prompt,
                                 **self.common()))  # fmt: skip
        elif kind == "interrupt":
            events.append(UserFeedback(type=EventType.USER_FEEDBACK, event_id=f"{rid}:interrupt", ts=ts,
                                       kind="interrupt", text="", **self.common()))  # fmt: skip
        return events

    def _tool_result(self, block: dict[str, Any], rid: str, i: int, ts: float, tool_use_result: Any) -> list[Event]:
        call_id = as_str(block.get("tool_use_id"))[:200] or stable_id(rid, "result", i)
        output = text_of(block.get("content"))
        is_error = block.get("is_error") is True
        added, removed = (0, 0) if call_id in self.calls else structured_patch_lines(tool_use_result)
        return self.tool_result(call_id, ts, output, is_error=is_error, rejected=is_rejection(output, tool_use_result),
                                lines_added=added, lines_removed=removed)  # fmt: skip


def is_compaction_file(name: str) -> bool:
    return name.rsplit("/", 1)[-1].startswith(COMPACTION_PREFIX)


def parse_claude_code(
    lines: Sequence[Line],
    subagents: Mapping[str, Sequence[Line]] | None = None,
    *,
    source: str = "main",
    session_hint: str | None = None,
    user: str | None = None,
) -> AdapterResult:
    """Events of one session: its main file's lines plus each sub-agent file's lines (by file name)."""
    parser = ClaudeCodeParser(session_hint=session_hint, user=user)
    events = parser.feed(lines, source)  # not .parse(): the sub-agent files join the same parser
    for name, sub_lines in sorted((subagents or {}).items()):
        if not is_compaction_file(name):
            events += parser.feed(sub_lines, name, sidechain=True)
    return parser.result(events)
