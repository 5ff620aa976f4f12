"""The Claude classifier through the real anthropic SDK, with a fake HTTP transport (no network)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import httpx2
import pytest
from prometheus_client import REGISTRY

from models import events
from models.classification import Outcome, WorkMode
from models.classify import rules
from models.classify.claude_schema import INSTRUCTIONS, TOOL_NAME, task_value
from models.events import AssistantText, Prompt, ToolCall
from models.session import SessionState, apply, new_session
from streams.claude_classifier import ClaudeClassifier, ClaudeConfigError
from streams.settings import Settings

KEY = "sk-ant-api03-TESTkey0123456789abcdefABCDEF-xyz"
PLANTED_KEY = "sk-ant-api03-PLANTEDsecret0123456789ABCDEFghij"
PLANTED_MAIL = "jane.doe@example.org"
T0 = 1_760_000_000.0
GOOD = {
    "reasoning": "Tests were fixed and pass; the user named the file and asked for a test run.",
    "work_mode": "fix", "expertise": 4, "outcome": "succeeded", "success_signal": 4, "failure_signal": 1,
    "user_planning_share": 0.8, "user_execution_share": 0.25, "occupation": "Computer and Mathematical",
    "task_value_usd": 300,
}  # fmt: skip
USAGE = {
    "input_tokens": 1200,
    "output_tokens": 300,
    "cache_read_input_tokens": 2000,
    "cache_creation_input_tokens": 500,
}

Handler = Callable[[httpx2.Request], Coroutine[Any, Any, httpx2.Response]]


def message(tool_input: dict[str, Any] | None = None, *, content: list[Any] | None = None,
            stop_reason: str = "tool_use", usage: dict[str, int] | None = None) -> dict[str, Any]:  # fmt: skip
    blocks = content if content is not None else [
        {"type": "tool_use", "id": "toolu_1", "name": TOOL_NAME, "input": tool_input or GOOD}
    ]  # fmt: skip
    return {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-haiku-4-5", "content": blocks,
            "stop_reason": stop_reason, "stop_sequence": None, "usage": usage or USAGE}  # fmt: skip


def ok(body: dict[str, Any] | None = None) -> httpx2.Response:
    return httpx2.Response(200, json=body or message())


def error(status: int, kind: str, text: str = "boom", headers: dict[str, str] | None = None) -> httpx2.Response:
    return httpx2.Response(status, json={"type": "error", "error": {"type": kind, "message": text}}, headers=headers)


class FakeAPI:
    """Replies from a script (the last reply repeats) and records every request."""

    def __init__(self, *replies: httpx2.Response | Exception | Handler) -> None:
        self.replies = list(replies) or [ok()]
        self.requests: list[httpx2.Request] = []

    async def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        reply = self.replies[min(len(self.requests), len(self.replies)) - 1]
        if isinstance(reply, Exception):
            raise reply
        return reply if isinstance(reply, httpx2.Response) else await reply(request)

    def body(self, i: int = 0) -> dict[str, Any]:
        return json.loads(self.requests[i].content)


def make(api: Handler, **options: Any) -> ClaudeClassifier:
    client = httpx2.AsyncClient(transport=httpx2.MockTransport(api))
    options = {"backoff_base_s": 0.001, "backoff_max_s": 0.005, "max_retries": 2, **options}
    return ClaudeClassifier(api_key=KEY, http_client=client, **options)


def session(sid: str = "s1", prompt: str = "") -> SessionState:
    s = new_session(sid)
    text = prompt or f"The login test fails. My key is {PLANTED_KEY}, mail {PLANTED_MAIL} when done."
    apply(s, Prompt(event_id=f"{sid}-1", session_id=sid, ts=T0, type="prompt", text=text, project="/srv/app"))
    apply(s, ToolCall(event_id=f"{sid}-2", session_id=sid, ts=T0 + 5, type="tool_call", call_id="c1", name="Edit",
                      input={"file_path": "src/login.py", "old_string": "a", "new_string": "b"}))  # fmt: skip
    apply(s, events.TestRun(event_id=f"{sid}-3", session_id=sid, ts=T0 + 9, type="test_run", ok=True, command="pytest"))
    apply(s, AssistantText(event_id=f"{sid}-4", session_id=sid, ts=T0 + 12, type="assistant_text", text="Fixed."))
    return s


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(f"sessionscope_{name}", labels) or 0.0


async def test_well_formed_reply_parses_into_a_claude_classification() -> None:
    api = FakeAPI(ok())
    c = await make(api).classify(session())
    assert (c.backend, c.fallback) == ("claude", False)
    assert (c.work_mode, c.outcome, c.expertise) == (WorkMode.FIX, Outcome.SUCCEEDED, 4)
    assert (c.success_signal, c.failure_signal, c.user_execution_share) == (4, 1, 0.25)
    assert c.occupation == "Computer and Mathematical" and c.task_value == pytest.approx(task_value(300))


async def test_request_carries_model_temperature_forced_tool_cache_and_redacted_text() -> None:
    api = FakeAPI(ok())
    await make(api, model="claude-test-model").classify(session())
    request, body = api.requests[0], api.body()
    assert request.url.path == "/v1/messages"
    assert body["model"] == "claude-test-model" and body["temperature"] == 0.2
    assert request.headers["anthropic-version"] == "2023-06-01"  # the API version that accepts a temperature
    assert body["tool_choice"]["type"] == "tool" and body["tool_choice"]["name"] == TOOL_NAME
    assert [t["name"] for t in body["tools"]] == [TOOL_NAME] and body["tools"][0]["strict"] is True
    assert body["system"] == [{"type": "text", "text": INSTRUCTIONS, "cache_control": {"type": "ephemeral"}}]
    raw = request.content.decode()
    assert PLANTED_KEY not in raw and PLANTED_MAIL not in raw and KEY not in raw
    content = body["messages"][0]["content"]
    assert "[REDACTED:anthropic_key]" in content and "[EMAIL]" in content and "The login test fails" in content


async def test_without_temperature_no_sampling_parameter_is_sent() -> None:
    api = FakeAPI(ok())
    await make(api, temperature=None).classify(session())
    assert "temperature" not in api.body() and api.requests[0].headers["anthropic-version"] != "2023-06-01"


async def test_request_respects_the_study_truncation() -> None:
    s = new_session("long", turn_chars=10**6, session_chars=10**7)  # aggregated with no useful limit
    for t in range(12):
        apply(s, Prompt(event_id=f"p{t}", session_id="long", ts=T0 + t * 60, type="prompt", text=f"ask{t} " * 2000))
        for k in range(5):
            apply(s, AssistantText(event_id=f"a{t}-{k}", session_id="long", ts=T0 + t * 60 + k + 1,
                                   type="assistant_text", text=f"answer{t} " * 900))  # fmt: skip
    api = FakeAPI(ok())
    await make(api).classify(s)
    content = api.body()["messages"][0]["content"]
    transcript = content.split("<transcript>\n", 1)[1].rsplit("\n</transcript>", 1)[0]
    assert len(transcript) <= 25_000
    turns: list[int] = []
    for line in transcript.split("\n"):
        if "] USER: " in line:
            turns.append(0)
        if turns:
            turns[-1] += len(line)
    assert turns and max(turns) <= 5_000
    assert "ask0" in transcript and "ask11" in transcript  # the head and the end are both kept


async def test_rate_limit_then_success_is_retried() -> None:
    api = FakeAPI(error(429, "rate_limit_error", headers={"retry-after": "0"}), ok())
    before = metric("claude_requests_total", result="rate_limited")
    c = await make(api).classify(session())
    assert (c.backend, c.fallback, len(api.requests)) == ("claude", False, 2)
    assert api.requests[0].content == api.requests[1].content
    assert metric("claude_requests_total", result="rate_limited") == before + 1


async def test_connection_error_is_retried() -> None:
    api = FakeAPI(httpx2.ConnectError("refused"), ok())
    c = await make(api).classify(session())
    assert (c.fallback, len(api.requests)) == (False, 2)


async def test_persistent_server_error_falls_back_to_rules_after_retries() -> None:
    api = FakeAPI(error(500, "api_error"))
    before = metric("classifier_fallbacks_total", reason="server_error")
    s = session()
    c = await make(api, max_retries=3).classify(s)
    assert len(api.requests) == 4
    assert (c.fallback, c.backend) == (True, "rules")
    assert c.model_dump(exclude={"fallback"}) == rules.classify(s).model_dump(exclude={"fallback"})
    assert metric("classifier_fallbacks_total", reason="server_error") == before + 1


@pytest.mark.parametrize("reply", [httpx2.ReadTimeout("slow"), "hang"])
async def test_timeout_falls_back_without_retry(reply: Exception | str) -> None:
    never = asyncio.Event()

    async def hang(request: httpx2.Request) -> httpx2.Response:
        await never.wait()
        raise AssertionError("unreachable")

    api = FakeAPI(hang if reply == "hang" else reply)  # type: ignore[arg-type]
    before = metric("classifier_fallbacks_total", reason="timeout")
    c = await make(api, timeout_s=0.05).classify(session())
    assert (c.fallback, c.backend, len(api.requests)) == (True, "rules", 1)
    assert metric("classifier_fallbacks_total", reason="timeout") == before + 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (message({k: v for k, v in GOOD.items() if k != "outcome"}), "invalid"),
        (message({**GOOD, "work_mode": "debugging"}), "invalid"),
        (message({**GOOD, "success_signal": 7}), "invalid"),
        (message({**GOOD, "occupation": "Software Developers"}), "invalid"),
        (message(content=[{"type": "text", "text": "The session was a fix that succeeded."}]), "malformed"),
        (message(stop_reason="max_tokens"), "malformed"),
    ],
    ids=["missing-field", "wrong-work-mode", "signal-out-of-range", "not-a-soc-group", "text-reply", "cut-off"],
)
async def test_malformed_reply_falls_back(body: dict[str, Any], reason: str) -> None:
    before = metric("classifier_fallbacks_total", reason=reason)
    c = await make(FakeAPI(ok(body))).classify(session())
    assert (c.fallback, c.backend) == (True, "rules")
    assert metric("classifier_fallbacks_total", reason=reason) == before + 1


async def test_tokens_and_cost_are_counted_from_usage() -> None:
    kinds = {"input": 1200, "output": 300, "cache_read": 2000, "cache_creation": 500}
    before = {k: metric("claude_tokens_total", kind=k) for k in kinds}
    cost_before = metric("claude_cost_usd_total")
    await make(FakeAPI(ok()), input_usd_per_mtok=3.0, output_usd_per_mtok=15.0).classify(session())
    for kind, n in kinds.items():
        assert metric("claude_tokens_total", kind=kind) == before[kind] + n
    expected = ((1200 + 500 * 1.25 + 2000 * 0.1) * 3.0 + 300 * 15.0) / 1e6
    assert metric("claude_cost_usd_total") - cost_before == pytest.approx(expected)


async def test_concurrency_never_exceeds_the_bound() -> None:
    bound, in_flight, peak = 3, 0, 0
    reached, release = asyncio.Event(), asyncio.Event()

    async def handler(request: httpx2.Request) -> httpx2.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        if in_flight >= bound:
            reached.set()
        await release.wait()  # hold every request in flight until the test lets go
        in_flight -= 1
        return ok()

    clf = make(FakeAPI(handler), max_concurrency=bound)
    task = asyncio.create_task(clf.classify_many([session(f"s{i}") for i in range(12)]))
    await reached.wait()
    await asyncio.sleep(0.05)  # the bound is reached: give a request over the bound time to show up
    assert peak == bound
    release.set()
    results = await task
    assert peak == bound and len(results) == 12 and all(not c.fallback for c in results)


async def test_api_key_never_reaches_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api = FakeAPI(error(401, "authentication_error", f"invalid x-api-key {KEY}"))
    clf = make(api)
    before = metric("classifier_fallbacks_total", reason="auth")
    c = await clf.classify(session())
    assert (c.fallback, len(api.requests)) == (True, 1)  # a 4xx is not retried
    assert KEY in api.requests[0].headers["authorization"]  # the key was really used
    assert metric("classifier_fallbacks_total", reason="auth") == before + 1
    assert any("fell back" in r.getMessage() and "401" in r.getMessage() for r in caplog.records)
    await make(FakeAPI(error(500, "api_error", KEY))).classify(session())
    assert KEY not in caplog.text and all(KEY not in r.getMessage() for r in caplog.records)
    assert KEY not in repr(clf) and KEY not in repr(clf.options)


def test_missing_api_key_is_a_clear_configuration_error() -> None:
    with pytest.raises(ClaudeConfigError, match="SESSIONSCOPE_ANTHROPIC_API_KEY"):
        ClaudeClassifier(Settings(_env_file=None, anthropic_api_key=None))


async def test_built_from_settings() -> None:
    settings = Settings(_env_file=None, anthropic_api_key=KEY, claude_model="claude-from-settings")
    api = FakeAPI(ok())
    clf = ClaudeClassifier(settings, http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(api)))
    assert (await clf.classify(session())).backend == "claude"
    assert api.body()["model"] == "claude-from-settings" and clf.options.max_concurrency == 8


BATCHES = "https://api.anthropic.com/v1/messages/batches"


def succeeded(custom_id: str, mode: str) -> dict[str, Any]:
    return {"custom_id": custom_id, "result": {"type": "succeeded", "message": message({**GOOD, "work_mode": mode})}}


def batch_json(status: str, *, results: bool = False) -> dict[str, Any]:
    counts = {"processing": 0 if results else 3, "succeeded": 2 if results else 0, "errored": 1 if results else 0,
              "canceled": 0, "expired": 0}  # fmt: skip
    return {"id": "msgbatch_1", "type": "message_batch", "processing_status": status, "request_counts": counts,
            "created_at": "2026-01-01T00:00:00Z", "expires_at": "2026-01-02T00:00:00Z",
            "ended_at": "2026-01-01T01:00:00Z" if results else None, "archived_at": None,
            "cancel_initiated_at": None,
            "results_url": f"{BATCHES}/msgbatch_1/results" if results else None}  # fmt: skip


async def test_batches_map_results_back_by_custom_id_and_fall_back_per_item() -> None:
    polls = 0
    created: dict[str, Any] = {}

    async def handler(request: httpx2.Request) -> httpx2.Response:
        nonlocal polls
        path = request.url.path
        if request.method == "POST" and path == "/v1/messages/batches":
            created.update(json.loads(request.content))
            return httpx2.Response(200, json=batch_json("in_progress"))
        if path.endswith("/results"):
            lines = [  # out of order, one errored
                succeeded("s2", "write"),
                {"custom_id": "s1", "result": {"type": "errored", "error": {"type": "error",
                                               "error": {"type": "overloaded_error", "message": "busy"}}}},
                succeeded("s0", "plan"),
            ]  # fmt: skip
            return httpx2.Response(200, content="\n".join(json.dumps(x) for x in lines).encode())
        polls += 1
        return httpx2.Response(200, json=batch_json("ended" if polls >= 3 else "in_progress", results=polls >= 3))

    before = metric("classifier_fallbacks_total", reason="batch_errored")
    cost_before = metric("claude_cost_usd_total")
    states = [session(f"s{i}") for i in range(3)]
    clf = make(FakeAPI(handler), use_batches=True, batch_poll_s=0.001, batch_poll_max_s=0.002)
    out = await clf.classify_many(states)
    assert polls >= 3 and [r["custom_id"] for r in created["requests"]] == ["s0", "s1", "s2"]
    params = created["requests"][0]["params"]
    assert params["temperature"] == 0.2 and params["tool_choice"]["name"] == TOOL_NAME
    assert PLANTED_KEY not in json.dumps(created)
    assert (out[0].work_mode, out[0].backend) == (WorkMode.PLAN, "claude")
    assert (out[2].work_mode, out[2].backend) == (WorkMode.WRITE, "claude")
    assert (out[1].fallback, out[1].backend) == (True, "rules")
    assert metric("classifier_fallbacks_total", reason="batch_errored") == before + 1
    one = ((1200 + 500 * 1.25 + 2000 * 0.1) * 1.0 + 300 * 5.0) / 1e6
    assert metric("claude_cost_usd_total") - cost_before == pytest.approx(2 * one * 0.5)  # batch price


async def test_batch_creation_failure_falls_back_for_every_session() -> None:
    out = await make(FakeAPI(error(400, "invalid_request_error")), use_batches=True).classify_many(
        [session("a"), session("b")]
    )
    assert [(c.fallback, c.backend) for c in out] == [(True, "rules"), (True, "rules")]


async def test_classify_many_without_batches_keeps_order() -> None:
    async def handler(request: httpx2.Request) -> httpx2.Response:
        mode = "write" if "WRITE-ME" in request.content.decode() else "analyze"
        return ok(message({**GOOD, "work_mode": mode}))

    out = await make(FakeAPI(handler)).classify_many([session("a", "WRITE-ME docs"), session("b", "chart sales")])
    assert [c.work_mode for c in out] == [WorkMode.WRITE, WorkMode.ANALYZE]
