"""Which agent wrote a transcript, from its first records, and the one entry point to parse any of them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from models.adapters.base import AdapterResult, AgentName, Line, Problem, load_record
from models.adapters.claude_code import ClaudeCodeParser, parse_claude_code
from models.adapters.codex import CodexParser
from models.adapters.copilot import CopilotParser
from models.adapters.parser import LineParser

PARSERS: dict[AgentName, type[LineParser]] = {
    "claude_code": ClaudeCodeParser,
    "codex": CodexParser,
    "copilot_cli": CopilotParser,
}
_CODEX_TYPES = frozenset({"session_meta", "response_item", "event_msg", "turn_context", "compacted"})
_CLAUDE_TYPES = frozenset({"user", "assistant", "system", "summary", "progress", "attachment",
                           "file-history-snapshot", "queue-operation", "pr-link", "custom-title"})  # fmt: skip
SCAN = 50  # records looked at; the first one usually decides


def _vote(rec: dict[str, Any]) -> AgentName | None:
    rtype = rec.get("type")
    if not isinstance(rtype, str):
        return None
    if rtype in _CODEX_TYPES and "payload" in rec:
        return "codex"
    if "." in rtype and "data" in rec and ("id" in rec or "parentId" in rec):
        return "copilot_cli"
    if rtype in _CLAUDE_TYPES or "sessionId" in rec or "uuid" in rec:
        return "claude_code"
    return None


def detect_format(lines: Sequence[Line]) -> AgentName | None:
    """The agent whose transcript format the first records match; None if nothing is recognised."""
    for line in lines[:SCAN]:
        rec, _ = load_record(line)
        if rec is not None:
            found = _vote(rec)
            if found:
                return found
    return None


def new_parser(agent: AgentName, *, session_hint: str | None = None, user: str | None = None) -> LineParser:
    return PARSERS[agent](session_hint=session_hint, user=user)


def parse_lines(
    lines: Sequence[Line],
    subagents: Mapping[str, Sequence[Line]] | None = None,
    *,
    source: str = "main",
    session_hint: str | None = None,
    user: str | None = None,
) -> AdapterResult:
    """Events of one transcript of any supported agent. Unrecognised input gives an empty Claude Code
    result whose problems say why, never an exception."""
    agent = detect_format(lines)
    if agent is None or agent == "claude_code":
        result = parse_claude_code(lines, subagents, source=source, session_hint=session_hint, user=user)
        if agent is None and any(line.strip() for line in lines[:SCAN]):
            reason = "no record of a known transcript format (Claude Code, Codex CLI, Copilot CLI)"
            result.problems.insert(0, Problem(source, 1, reason))
        return result
    return PARSERS[agent].parse(lines, source=source, session_hint=session_hint, user=user)
