"""Claude Code transcripts: which user text is a prompt, and what a tool result says about lines.

DESIGN.md "what counts as what" is applied here, in one place, so the rules can be read and tested
on their own. Text the tool writes on the user's behalf is never a prompt: slash-command
wrappers and their output, local shell (`!`) input and output, background-task notifications,
messages between agents of a team, compaction summaries and interrupt markers.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from models.adapters.base import as_dict, as_list, as_str, patch_lines, text_of

UserTextKind = Literal["prompt", "interrupt"] | None
# built-in commands that act on the tool itself; every other slash command asks the model for work
LOCAL_COMMANDS = frozenset(
    {
        "add-dir",
        "agents",
        "bashes",
        "clear",
        "compact",
        "config",
        "context",
        "cost",
        "doctor",
        "exit",
        "export",
        "help",
        "hooks",
        "ide",
        "login",
        "logout",
        "mcp",
        "memory",
        "model",
        "output-style",
        "permissions",
        "plugin",
        "privacy-settings",
        "release-notes",
        "resume",
        "rewind",
        "sandbox",
        "status",
        "statusline",
        "terminal-setup",
        "theme",
        "todos",
        "upgrade",
        "usage",
        "vim",
    }
)
_COMMAND_NAME = re.compile(r"<command-name>/?([^<]*)</command-name>")
_COMMAND_ARGS = re.compile(r"<command-args>(.*?)</command-args>", re.DOTALL)

INTERRUPT = "[Request interrupted by user"
REJECTED = "The user doesn't want to proceed with this tool use"
COMPACT_CONTINUATION = "This session is being continued from a previous conversation"
_WRAPPERS = (
    "<command-name>", "<command-message>", "<command-args>", "<local-command-stdout>",
    "<local-command-stderr>", "<local-command-caveat>", "Caveat: The messages below were generated",
    "<bash-input>", "<bash-stdout>", "<bash-stderr>", "<task-notification>", "<teammate-message",
    "<system-reminder>", "<user-prompt-submit-hook>",
)  # fmt: skip


def slash_command(text: str) -> str | None:
    """The prompt "/name args" when the text is the wrapper of a slash command that asks the model for work.

    A departure from the letter of DESIGN.md (wrappers are not prompts), kept for its intent: the
    wrapper of `/gsd:debug <what is broken>` or `/init` is the only trace of the person's request
    (the expansion that follows is isMeta), so skipping it would leave such sessions without turns.
    Built-in commands that act on the tool (/clear, /compact, /model, ...) are not prompts.
    """
    m = _COMMAND_NAME.search(text[:2000])
    if not m:
        return None
    name = m.group(1).strip()
    if not name or name in LOCAL_COMMANDS:
        return None
    args = _COMMAND_ARGS.search(text)
    return f"/{name} {args.group(1).strip()}".strip() if args else f"/{name}"


def user_text_kind(text: str, record: dict[str, Any], *, sidechain: bool) -> tuple[UserTextKind, str]:
    """("prompt" | "interrupt" | None, prompt text); None when it is not the person speaking to the agent."""
    stripped = text.lstrip()
    if not stripped or sidechain:  # a sub-agent's instructions come from the parent agent
        return None, ""
    if stripped.startswith(INTERRUPT):
        return "interrupt", ""
    if record.get("isMeta") is True or record.get("isCompactSummary") is True:
        return None, ""
    if stripped.startswith(("<command-name>", "<command-message>")):
        command = slash_command(stripped)
        return ("prompt", command) if command else (None, "")
    if stripped.startswith(_WRAPPERS) or stripped.startswith(COMPACT_CONTINUATION):
        return None, ""
    return "prompt", text


def is_rejection(output: str, tool_use_result: Any) -> bool:
    """The person refused the tool use (the permission prompt's "no", or an edit rejected in the diff view)."""
    if output.lstrip().startswith(REJECTED):
        return True
    return isinstance(tool_use_result, str) and tool_use_result.startswith("User rejected tool use")


def structured_patch_lines(tool_use_result: Any) -> tuple[int, int]:
    """Lines added and removed according to `toolUseResult.structuredPatch` (Edit, MultiEdit, Write)."""
    added = removed = 0
    for hunk in as_list(as_dict(tool_use_result).get("structuredPatch")):
        rows = [as_str(r) for r in as_list(as_dict(hunk).get("lines"))]
        a, r = patch_lines("\n".join(rows))
        added += a
        removed += r
    return added, removed


def queued_prompt(record: dict[str, Any]) -> str:
    """Text the person typed while the agent was busy, delivered as an `attachment` record (2.1.x)."""
    attachment = as_dict(record.get("attachment"))
    if attachment.get("type") != "queued_command":
        return ""
    return text_of(attachment.get("prompt"))
