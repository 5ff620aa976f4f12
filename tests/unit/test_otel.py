"""Claude Code OTLP JSON logs -> native events: mapping, ids, grouping, and the session structure."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import events as native
from models.adapters.otel import encode_sessions, normalize_otlp
from models.decode import decode_message
from models.events import AssistantText, Commit, Error, Prompt, ToolCall, ToolResult
from models.session import apply, new_session, structure

ROOT = Path(__file__).resolve().parents[2]
T0 = 1_780_000_000  # seconds; OTLP carries nanoseconds
S1, S2 = "5f0c1a7e-1111-4c3b-9a51-000000000001", "5f0c1a7e-2222-4c3b-9a51-000000000002"


def _v(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}  # 64-bit ints are strings in OTLP JSON
    if isinstance(value, float):
        return {"doubleValue": value}
    return {"stringValue": value}


def rec(name: str, session: str | None, seq: int, t: float, pid: str = "p1", **attrs: Any) -> dict[str, Any]:
    """A log record shaped as Claude Code exports it (body and event.name as documented)."""
    base: dict[str, Any] = {"event.name": name, "event.timestamp": "2026-06-01T00:00:00.000Z",
                            "event.sequence": seq, "prompt.id": pid, "user.id": "anon-install-1",
                            "user.account_uuid": "acct-uuid-1", "user.email": "dev@example.com",
                            "organization.id": "org-1", "terminal.type": "vscode"}  # fmt: skip
    if session is not None:
        base["session.id"] = session
    base.update(attrs)
    return {
        "timeUnixNano": str(int((T0 + t) * 1e9)),
        "observedTimeUnixNano": str(int((T0 + t) * 1e9)),
        "severityNumber": 9,
        "body": {"stringValue": f"claude_code.{name}"},
        "attributes": [{"key": k, "value": _v(v)} for k, v in base.items()],
    }


def export(*records: dict[str, Any], project: str = "shop-api") -> dict[str, Any]:
    resource = [("service.name", "claude-code"), ("service.version", "2.1.220"), ("os.type", "linux"),
                ("project", project)]  # fmt: skip
    return {"resourceLogs": [{
        "resource": {"attributes": [{"key": k, "value": _v(v)} for k, v in resource]},
        "scopeLogs": [{"scope": {"name": "com.anthropic.claude_code.events", "version": "2.1.220"},
                       "logRecords": list(records)}],
    }]}  # fmt: skip


def bash(cmd: str, **more: Any) -> str:
    return orjson.dumps({"bash_command": cmd.split()[0], "full_command": cmd, "timeout": 120000, **more}).decode()


def session_one() -> list[dict[str, Any]]:
    """Three prompts: a fix with edits, a failing then passing test run, a commit, a rejected tool use."""
    edit_input = orjson.dumps({"file_path": "src/cart.py", "old_string": "a\nb", "new_string": "a\nb\nc"}).decode()
    return [
        rec("user_prompt", S1, 1, 0, prompt_length=34, prompt="fix the rounding bug in cart totals"),
        rec(
            "api_request",
            S1,
            2,
            3,
            model="claude-sonnet-5",
            input_tokens=1200,
            output_tokens=300,
            cache_read_tokens=9000,
            cache_creation_tokens=0,
            cost_usd=0.0123,
            duration_ms=2900,
        ),
        rec("tool_result", S1, 3, 4, tool_name="Read", tool_use_id="toolu_01", success="true", duration_ms=12),
        rec(
            "tool_result",
            S1,
            4,
            6,
            tool_name="Edit",
            tool_use_id="toolu_02",
            success="true",
            duration_ms=30,
            tool_input=edit_input,
        ),
        rec(
            "tool_result",
            S1,
            5,
            9,
            tool_name="Bash",
            tool_use_id="toolu_03",
            success="false",
            duration_ms=2100,
            error_type="ShellError",
            tool_parameters=bash("pytest -q tests/test_cart.py"),
        ),
        rec("api_request", S1, 6, 10, model="claude-sonnet-5", input_tokens=1500, output_tokens=200, cost_usd=0.01),
        rec(
            "tool_result",
            S1,
            7,
            12,
            tool_name="Bash",
            tool_use_id="toolu_04",
            success="true",
            duration_ms=1900,
            tool_parameters=bash("pytest -q tests/test_cart.py"),
        ),
        rec("user_prompt", S1, 8, 60, pid="p2", prompt_length=20),  # redacted text: attribute absent
        rec(
            "tool_decision",
            S1,
            9,
            61,
            pid="p2",
            tool_name="Bash",
            tool_use_id="toolu_05",
            decision="reject",
            source="user_reject",
            tool_parameters=bash("rm -rf build"),
        ),
        rec(
            "tool_decision",
            S1,
            10,
            62,
            pid="p2",
            tool_name="Bash",
            tool_use_id="toolu_06",
            decision="accept",
            source="config",
        ),
        rec(
            "tool_result",
            S1,
            11,
            63,
            pid="p2",
            tool_name="Bash",
            tool_use_id="toolu_06",
            success="true",
            duration_ms=300,
            tool_parameters=bash('git commit -am "Fix rounding"', git_commit_id="a1b2c3d"),
        ),
        rec("api_error", S1, 12, 64, pid="p2", model="claude-sonnet-5", error="Overloaded", status_code=529, attempt=3),
        rec(
            "api_request",
            S1,
            13,
            70,
            pid="p2",
            model="claude-sonnet-5",
            output_tokens=150,
            input_tokens=900,
            cost_usd=0.004,
        ),
        rec("user_prompt", S1, 14, 90, pid="p3", prompt_length=5, command_name="compact", command_source="builtin"),
        rec("compaction", S1, 15, 95, pid="p3", trigger="manual", success="true"),
        rec("user_prompt", S1, 16, 100, pid="p4", prompt_length=30, prompt="<REDACTED>"),
        rec(
            "assistant_response",
            S1,
            17,
            105,
            pid="p4",
            model="claude-sonnet-5",
            response_length=600,
            response="<REDACTED>",
        ),
    ]


def session_two() -> list[dict[str, Any]]:
    return [
        rec("user_prompt", S2, 1, 5, pid="q1", prompt_length=12, prompt="explain auth"),
        rec(
            "api_request",
            S2,
            2,
            8,
            pid="q1",
            model="claude-opus-5",
            output_tokens=800,
            input_tokens=4000,
            cost_usd_micros=51000,
        ),
    ]


def payload() -> dict[str, Any]:
    orphan = rec("user_prompt", None, 99, 1, prompt_length=3)  # no session.id
    return export(*session_one(), orphan, *session_two())


def test_maps_events_by_type_and_groups_by_session() -> None:
    result = normalize_otlp(orjson.dumps(payload()), now=T0 + 3600)
    assert set(result.sessions) == {S1, S2}
    types = [e.type.value for e in result.sessions[S1]]
    assert types.count("prompt") == 3  # the built-in /compact is not a prompt
    assert types.count("tool_call") == 6 and types.count("tool_result") == 6  # 5 ran + 1 rejected
    assert types.count("assistant_text") == 4 and types.count("error") == 1
    assert types.count("test_run") == 2 and types.count("commit") == 1
    assert [p.reason for p in result.problems] == ["no_session_id"]
    assert result.ignored == {"user_prompt:builtin_command": 1, "claude_code.compaction": 1,
                              "tool_decision:accept": 1}  # fmt: skip
    assert result.records == len(session_one()) + 1 + len(session_two())
    events = result.sessions[S1]
    assert all(e.agent == "claude_code" and e.user == "acct-uuid-1" and e.project == "shop-api" for e in events)
    assert [e.ts for e in events] == sorted(e.ts for e in events)


def test_fields_tokens_errors_and_derived_outcomes() -> None:
    events = normalize_otlp(payload()).sessions[S1]
    prompts = [e for e in events if isinstance(e, Prompt)]
    assert prompts[0].text == "fix the rounding bug in cart totals" and prompts[1].text == prompts[2].text == ""
    usage = [e for e in events if isinstance(e, AssistantText) and e.words == 0]
    assert sum(e.output_tokens for e in usage) == 650 and sum(e.input_tokens for e in usage) == 3600
    assert abs(sum(e.cost_usd for e in usage) - 0.0263) < 1e-9 and {e.model for e in usage} == {"claude-sonnet-5"}
    [response] = [e for e in events if isinstance(e, AssistantText) and e.words != 0]
    assert response.words == 100 and response.text == ""  # 600 characters, redacted
    results = {e.call_id: e for e in events if isinstance(e, ToolResult)}
    assert results["toolu_03"].is_error and results["toolu_03"].output == "ShellError"
    assert not results["toolu_04"].is_error and results["toolu_05"].rejected and not results["toolu_05"].is_error
    calls = {e.call_id: e for e in events if isinstance(e, ToolCall)}
    assert calls["toolu_04"].input["command"] == "pytest -q tests/test_cart.py"
    assert calls["toolu_03"].ts == T0 + 9 - 2.1  # the call started duration_ms before its result
    assert [t.ok for t in events if isinstance(t, native.TestRun)] == [False, True]
    [commit] = [e for e in events if isinstance(e, Commit)]
    assert commit.ok and commit.sha == "a1b2c3d" and commit.event_id == "toolu_06:commit"
    [error] = [e for e in events if isinstance(e, Error)]
    assert error.kind == "api_error" and error.message == "HTTP 529: Overloaded"
    [s2_usage] = [e for e in normalize_otlp(payload()).sessions[S2] if isinstance(e, AssistantText)]
    assert s2_usage.cost_usd == 0.051 and s2_usage.model == "claude-opus-5"


def test_session_structure_from_otel_events() -> None:
    result = normalize_otlp(payload())
    state = new_session(S1)
    for event in result.sessions[S1]:
        apply(state, event)
    s = structure(state)
    assert (s["turns"], s["actions"], s["errors"], s["user_corrections"]) == (3, 6, 2, 1)  # tool + API error
    assert (s["output_tokens"], s["test_runs"], s["test_passes"], s["commits"]) == (650, 2, 1, 1)
    assert (s["lines_added"], s["lines_removed"]) == (3, 2)  # from the Edit's tool_input
    assert s["words_per_turn"] == 100 / 3 and s["duration_s"] == 105 - 0
    assert state.agent == "claude_code" and state.model == "claude-sonnet-5" and state.user == "acct-uuid-1"
    assert state.n["rejected_tools"] == 1 and state.n["api_errors"] == 1


def test_ids_are_stable_and_a_redelivery_changes_nothing() -> None:
    first, again = normalize_otlp(orjson.dumps(payload())), normalize_otlp(payload())
    ids = [e.event_id for e in first.sessions[S1]]
    assert ids == [e.event_id for e in again.sessions[S1]] and len(set(ids)) == len(ids)
    state = new_session(S1)
    applied = [apply(state, e) for e in first.sessions[S1] + again.sessions[S1]]
    assert applied.count(True) == len(ids)  # the second copy is recognised event by event


def test_config_denial_is_an_error_not_a_correction_and_records_without_sequence_hash() -> None:
    deny = rec("tool_decision", S1, 1, 1, tool_name="Write", decision="reject", source="config")
    del deny["attributes"][2]  # drop event.sequence: ids then come from the record's content
    result = normalize_otlp(export(deny))
    call, res = result.sessions[S1]
    assert isinstance(call, ToolCall) and isinstance(res, ToolResult) and res.is_error and not res.rejected
    assert res.call_id == call.call_id and call.call_id.startswith("otel:")
    assert [e.event_id for e in normalize_otlp(export(deny)).sessions[S1]] == [call.event_id, res.event_id]


def test_prefixed_names_resource_session_ids_and_foreign_records() -> None:
    r = rec("user_prompt", None, 1, 0, prompt="hello")
    r["attributes"][0]["value"] = {"stringValue": "claude_code.user_prompt"}
    doc = export(r)
    # groupbyattrs in the collector moves session.id to the resource
    doc["resourceLogs"][0]["resource"]["attributes"].append({"key": "session.id", "value": _v(S2)})
    foreign = {"timeUnixNano": str(T0 * 10**9), "body": {"stringValue": "GET /health 200"}, "attributes": []}
    doc["resourceLogs"].append({"resource": {}, "scopeLogs": [{"scope": {"name": "nginx"}, "logRecords": [foreign]}]})
    result = normalize_otlp(doc)
    assert [e.type.value for e in result.sessions[S2]] == ["prompt"] and result.ignored == {"not_claude_code": 1}


def test_bad_input_gives_reasons_not_exceptions() -> None:
    cases = {b"": "empty", b"\x0a\x8f\x02\x12": "not_json", b"[1, 2]": "not_otlp_logs", b"{}": "not_otlp_logs",
             b'{"resourceMetrics": []}': "not_otlp_logs", b'{"resourceLogs": {}}': "not_otlp_logs"}  # fmt: skip
    for raw, reason in cases.items():
        result = normalize_otlp(raw)
        assert not result.sessions and [p.reason for p in result.problems] == [reason], raw
    assert "otlp_json" in normalize_otlp(b"\x0a\x8f\x02\x12").problems[0].detail  # protobuf sent by mistake
    assert "metrics" in normalize_otlp(b'{"resourceMetrics": []}').problems[0].detail
    late = normalize_otlp(export(rec("user_prompt", S1, 1, 10_000)), now=T0)
    assert [p.reason for p in late.problems] == ["bad_timestamp"] and not late.sessions
    mixed = normalize_otlp({"resourceLogs": [7, {"scopeLogs": [{"logRecords": ["x", None]}]}]})
    assert [p.reason for p in mixed.problems] == ["bad_record", "bad_record"]


def test_encoded_batches_pass_the_native_decoder() -> None:
    result = normalize_otlp(payload())
    batches = encode_sessions(result)
    assert set(batches) == {S1, S2}
    decoded = decode_message(batches[S1], now=T0 + 3600)
    assert not decoded.rejections and decoded.events == result.sessions[S1]


def test_collector_config_exports_logs_as_otlp_json_to_the_otel_topic() -> None:
    config = yaml.safe_load((ROOT / "deploy" / "otel-collector.yaml").read_text())
    kafka = config["exporters"]["kafka"]
    assert kafka["logs"] == {"topic": "otel-logs", "encoding": "otlp_json"}
    assert kafka["partition_logs_by_resource_attributes"] is True
    assert "${env:" in str(kafka["brokers"])
    assert config["processors"]["groupbyattrs"]["keys"] == ["session.id"]
    logs = config["service"]["pipelines"]["logs"]
    assert logs["receivers"] == ["otlp"] and logs["exporters"] == ["kafka"]
    assert logs["processors"][-1] == "batch" and "groupbyattrs" in logs["processors"]
    protocols = config["receivers"]["otlp"]["protocols"]
    assert protocols["grpc"]["endpoint"].endswith(":4317") and protocols["http"]["endpoint"].endswith(":4318")


# -- fuzz: whatever arrives, the mapping answers with events and reasons, never an exception ----
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)


def _mutate(doc: Any, path: list[int], value: Any) -> Any:
    """Replace the node found by walking `path` (indices into children) with `value`."""
    node, parent, key = doc, None, None
    for step in path:
        children: list[Any] = list(node.items()) if isinstance(node, dict) else []
        children = children or (list(enumerate(node)) if isinstance(node, list) else [])
        if not children:
            break
        parent, (key, node) = node, children[step % len(children)]
    if parent is None:
        return value
    parent[key] = value
    return doc


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.lists(st.integers(min_value=0, max_value=50), max_size=9), value=_json)
def test_mutated_exports_never_raise(path: list[int], value: Any) -> None:
    doc = _mutate(copy.deepcopy(payload()), path, value)
    for form in (doc, orjson.dumps(doc, option=orjson.OPT_NON_STR_KEYS)):
        result = normalize_otlp(form, now=T0 + 3600)
        assert all(p.reason and p.detail for p in result.problems)
        assert all(e.session_id == sid for sid, events in result.sessions.items() for e in events)
        for sid, raw in encode_sessions(result).items():  # whatever survives is valid native input
            assert len(decode_message(raw, now=T0 + 3600).events) == len(result.sessions[sid])


@settings(max_examples=200, deadline=None)
@given(raw=st.binary(max_size=200) | _json.map(lambda d: orjson.dumps(d, option=orjson.OPT_NON_STR_KEYS)))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    result = normalize_otlp(raw)
    assert result.problems or not result.sessions
