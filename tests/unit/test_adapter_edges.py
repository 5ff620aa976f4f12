"""Adapters on hand-made records: every edge case the real files show, in isolation."""

from __future__ import annotations

import json
from typing import Any

from models.adapters.claude_code import ClaudeCodeParser, parse_claude_code
from models.adapters.derive import derive
from models.adapters.detect import detect_format, parse_lines
from models.events import EventType
from models.session import apply, new_session, structure

SID = "s-1"


def rec(kind: str, uuid: str | None, ts: str | None = "2026-02-10T10:00:00Z", **kw: Any) -> str:
    doc: dict[str, Any] = {"type": kind, "sessionId": SID, "cwd": "/home/ada/src/shop", "version": "2.1.39", **kw}
    if uuid:
        doc["uuid"] = uuid
    if ts:
        doc["timestamp"] = ts
    return json.dumps(doc)


def user(uuid: str, content: Any, **kw: Any) -> str:
    return rec("user", uuid, message={"role": "user", "content": content}, **kw)


def assistant(uuid: str, blocks: list[dict[str, Any]], mid: str = "m1", out: int = 5, **kw: Any) -> str:
    msg = {"id": mid, "model": kw.pop("model", "claude-opus-4-6"), "content": blocks, "usage": {"output_tokens": out}}
    return rec("assistant", uuid, message=msg, **kw)


def measures(lines: list[str], subagents: dict[str, list[str]] | None = None) -> dict[str, Any]:
    result = parse_claude_code(lines, subagents)
    state = new_session(result.session_id)
    for e in result.events:
        apply(state, e)
    return {**structure(state), **state.n, "problems": len(result.problems)}


def test_degenerate_files() -> None:
    assert parse_lines([]).events == [] and parse_lines([]).problems == []
    assert parse_lines(["", "  "]).events == []
    one = parse_lines([user("u1", "hello there")])
    assert [e.type for e in one.events] == [EventType.SESSION_START, EventType.PROMPT]
    command_only = [
        user("c1", "<local-command-caveat>Caveat: ...</local-command-caveat>", isMeta=True),
        user("c2", "<command-name>/clear</command-name>\n<command-message>clear</command-message>"),
        user("c3", "<local-command-stdout></local-command-stdout>"),
    ]
    assert measures(command_only)["turns"] == 0
    bad = parse_lines(["{not json", "[1, 2]", user("u1", "hi")])
    assert [p.line for p in bad.problems] == [1, 2] and bad.session_id == SID


def test_what_counts_as_a_prompt() -> None:
    lines = [
        user("p1", "fix the login bug"),
        user("p2", [{"type": "text", "text": "[Request interrupted by user]"}]),
        user("p3", "This session is being continued from a previous conversation...", isCompactSummary=True),
        user("p4", "expanded skill text", isMeta=True),
        user("p5", "sub-agent task", isSidechain=True),
        user(
            "p6",
            "<command-message>gsd:debug</command-message>\n<command-name>/gsd:debug</command-name>\n"
            "<command-args>token expiry hangs the app</command-args>",
        ),
        user("p7", "<task-notification>done</task-notification>"),
        user("p8", "<bash-input>git pull</bash-input>"),
        rec("attachment", "p9", attachment={"type": "queued_command", "prompt": "also update the docs"}),
    ]
    result = parse_claude_code(lines)
    prompts = [e.text for e in result.events if e.type == EventType.PROMPT]
    assert prompts == ["fix the login bug", "/gsd:debug token expiry hangs the app", "also update the docs"]
    m = measures(lines)
    assert (m["turns"], m["interrupts"], m["user_corrections"]) == (3, 1, 1)


def test_split_response_counts_tokens_once_and_each_tool_use_once() -> None:
    lines = [
        assistant("a1", [{"type": "text", "text": "Let me look."}], out=3),
        assistant("a2", [{"type": "tool_use", "id": "t1", "name": "Read", "input": {"file_path": "x.py"}}], out=40),
        assistant("a3", [{"type": "tool_use", "id": "t1", "name": "Read", "input": {"file_path": "x.py"}}], out=40),
        assistant("a4", [{"type": "text", "text": "Done now"}], mid="m2", out=7),
    ]
    m = measures(lines)
    assert (m["output_tokens"], m["actions"], m["words"]) == (47, 1, 5)


def test_errors_rejections_and_lines() -> None:
    edit = {"file_path": "a.py", "old_string": "a\nb", "new_string": "a\nb\nc"}
    patch = {"structuredPatch": [{"lines": [" a", "-b", "+c", "+d"]}]}
    lines = [
        assistant("a1", [{"type": "tool_use", "id": "e1", "name": "Edit", "input": edit},
                         {"type": "tool_use", "id": "b1", "name": "Bash", "input": {"command": "ls"}}]),
        user("r1", [{"type": "tool_result", "tool_use_id": "e1", "content": "ok"}], toolUseResult=patch),
        user("r2", [{"type": "tool_result", "tool_use_id": "b1", "is_error": True, "content": "Exit code 2"}],
             toolUseResult="Error: Exit code 2"),
        user("r3", [{"type": "tool_result", "tool_use_id": "gone", "content": "ok"}], toolUseResult=patch),
        user("r4", [{"type": "tool_result", "tool_use_id": "x9", "is_error": True,
                     "content": "The user doesn't want to proceed with this tool use. The tool use was rejected"}],
             toolUseResult="User rejected tool use"),
        user("r5", [{"type": "tool_result", "tool_use_id": "l1", "content": [{"type": "text", "text": "a"}]}],
             toolUseResult=[{"type": "text", "text": "a"}]),
        assistant("s1", [{"type": "text", "text": "API Error: 529 overloaded"}], mid="syn", model="<synthetic>"),
        rec("system", "y1", subtype="api_error", level="error", error={"status": 529}),
    ]  # fmt: skip
    m = measures(lines)
    # Edit: 3 added 2 removed from its input; the orphan result "gone" brings its patch (2+, 1-)
    assert (m["lines_added"], m["lines_removed"]) == (5, 3)
    assert (m["tool_errors"], m["rejected_tools"], m["api_errors"], m["errors"]) == (1, 1, 2, 3)
    assert m["problems"] == 0


def test_records_without_uuid_or_timestamp_and_out_of_order() -> None:
    lines = [
        json.dumps({"type": "summary", "summary": "Old work", "leafUuid": "zz"}),
        user("u1", "second", ts="2026-02-10T10:05:00Z"),
        user("u0", "first", ts="2026-02-10T10:00:00Z"),
        json.dumps({"type": "pr-link", "sessionId": SID, "prUrl": "https://github.com/o/r/pull/7"}),
        user("u1", "second", ts="2026-02-10T10:05:00Z"),  # a repeated record
    ]
    first = parse_claude_code(lines)
    again = parse_claude_code(lines)
    assert [e.event_id for e in first.events] == [e.event_id for e in again.events]
    pr = next(e for e in first.events if e.type == EventType.PULL_REQUEST)
    assert pr.ts == 1770717600.0  # 2026-02-10T10:00:00Z, borrowed from the record before it
    m = measures(lines)
    assert (m["turns"], m["pull_requests"], m["duration_s"]) == (2, 1, 300.0)


def test_parent_uuid_pointing_nowhere_is_harmless() -> None:
    lines = [user("u1", "go", parentUuid="missing-record")]
    assert measures(lines)["turns"] == 1


def test_derive_commit_pr_and_tests() -> None:
    common = {"session_id": SID, "agent": "claude_code"}

    def run(cmd: str, out: str, err: bool = False) -> dict[str, Any]:
        events = derive(call_id="c", name="Bash", tool_input={"command": cmd}, output=out, is_error=err, ts=1.7e9,
                        common=common)  # fmt: skip
        return {e.type.value: e for e in events}

    ok = run('git add -A && git commit -m "fix"', "[main 1a2b3c4] fix\n 1 file changed")
    assert ok["commit"].ok and ok["commit"].sha == "1a2b3c4"
    assert not run("git commit -m x", "nothing to commit, working tree clean", err=True)["commit"].ok
    assert run("git log --oneline", "abc commit") == {}
    pr = run("gh pr create --fill", "https://github.com/o/r/pull/12\n")["pull_request"]
    assert pr.ok and pr.url == "https://github.com/o/r/pull/12"
    t = run("uv run pytest -q", "Exit code 1\n3 failed, 10 passed in 2s", err=True)["test_run"]
    assert (t.ok, t.passed, t.failed) == (False, 10, 3)
    assert run("mix test", "12 tests, 0 failures")["test_run"].ok
    assert run("npm test", "Command running in background with ID: b1") == {}
    assert run("pytest", "ok") and derive(call_id="c", name="Read", tool_input={"command": "pytest"}, output="",
                                          is_error=False, ts=1.7e9, common=common) == []  # fmt: skip


def test_codex_and_copilot_minimal() -> None:
    codex = [
        json.dumps({"timestamp": "2026-06-18T00:57:05Z", "type": "session_meta",
                    "payload": {"id": "cx-1", "cwd": "/home/ada/agentv", "cli_version": "0.140.0"}}),
        json.dumps({"timestamp": "2026-06-18T00:57:06Z", "type": "turn_context", "payload": {"model": "gpt-5.4"}}),
        json.dumps({"timestamp": "2026-06-18T00:57:07Z", "type": "event_msg",
                    "payload": {"type": "user_message", "message": "run the tests"}}),
        json.dumps({"timestamp": "2026-06-18T00:57:08Z", "type": "response_item", "payload": {
            "type": "function_call", "name": "exec_command", "arguments": '{"cmd": "pytest"}', "call_id": "k1"}}),
        json.dumps({"timestamp": "2026-06-18T00:57:09Z", "type": "response_item", "payload": {
            "type": "function_call_output", "call_id": "k1", "output": "Process exited with code 1\n1 failed"}}),
        json.dumps({"timestamp": "2026-06-18T00:57:10Z", "type": "event_msg", "payload": {
            "type": "token_count", "info": {"total_token_usage": {"output_tokens": 120, "input_tokens": 900}}}}),
    ]  # fmt: skip
    assert detect_format(codex) == "codex"
    result = parse_lines(codex)
    state = new_session(result.session_id)
    for e in result.events:
        apply(state, e)
    assert result.session_id == "cx-1" and state.model == "gpt-5.4" and state.project == "agentv"
    assert (state.count("turns"), state.count("actions"), state.count("tool_errors")) == (1, 1, 1)
    assert (state.count("test_failures"), state.count("output_tokens")) == (1, 120)
    copilot = [
        json.dumps({"type": "session.start", "id": "e0", "timestamp": "2026-06-23T05:17:21Z", "parentId": None,
                    "data": {"sessionId": "cp-1", "selectedModel": "gpt-5", "context": {"cwd": "/home/ada/x"}}}),
        json.dumps({"type": "user.message", "id": "e1", "timestamp": "2026-06-23T05:17:22Z", "parentId": "e0",
                    "data": {"content": "What is 2+2?"}}),
        json.dumps({"type": "assistant.message", "id": "e2", "timestamp": "2026-06-23T05:17:23Z", "parentId": "e1",
                    "data": {"content": "4", "outputTokens": 3, "toolRequests": [
                        {"toolCallId": "q1", "name": "edit", "arguments": {"old_str": "a", "new_str": "a\nb"}}]}}),
        json.dumps({"type": "abort", "id": "e3", "timestamp": "2026-06-23T05:17:24Z", "parentId": "e2",
                    "data": {"reason": "user_initiated"}}),
    ]  # fmt: skip
    assert detect_format(copilot) == "copilot_cli"
    cp = parse_lines(copilot)
    state = new_session(cp.session_id)
    for e in cp.events:
        apply(state, e)
    assert (state.count("turns"), state.count("actions"), state.count("interrupts")) == (1, 1, 1)
    assert (state.count("lines_added"), state.count("lines_removed"), state.count("output_tokens")) == (2, 1, 3)


def test_incremental_feeding_equals_one_parse() -> None:
    lines = [
        assistant("a1", [{"type": "tool_use", "id": "b1", "name": "Bash", "input": {"command": "git commit -m x"}}]),
        user("r1", [{"type": "tool_result", "tool_use_id": "b1", "content": "[main abc1234] x"}]),
        assistant("a2", [{"type": "text", "text": "committed"}], out=9),
    ]
    whole = parse_claude_code(lines).events
    parser = ClaudeCodeParser()
    parts = parser.feed(lines[:1], "main", 1) + parser.feed(lines[1:], "main", 2)
    assert [e.event_id for e in parts] == [e.event_id for e in whole]
    assert any(e.type == EventType.COMMIT and e.ok for e in parts)
    assert parser.feed(lines, "main", 1) == []  # the same lines again yield nothing new
