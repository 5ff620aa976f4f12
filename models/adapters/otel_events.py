"""One Claude Code OpenTelemetry event -> native events (the handlers behind models.adapters.otel).

  event (attributes read)                     native events
  user_prompt (prompt, command_source)        prompt; text only with OTEL_LOG_USER_PROMPTS=1; built-in
                                              slash commands (/clear, /compact) are not prompts
  assistant_response (response, _length)      assistant_text; words estimated from the length if redacted
  api_request (model, *_tokens, cost_usd)     assistant_text with tokens and cost, words=0
  tool_result (tool_name, tool_use_id,        tool_call + tool_result, is_error when success is false; a
    success, error, tool_parameters, ...)     Bash call also gives commit / pull_request / test_run
  tool_decision reject (source)               tool_call + tool_result: rejected (a user correction) for
                                              user_reject / user_abort; is_error for config / hook denials
  api_error (error, status_code)              error(kind="api_error"); api_refusal -> error too
  anything else                               counted in `ignored` (tool_decision accept, compaction, ...)

A handler returns events (dicts still to validate, or events built by derive()), or a string: the
kind under which the record is counted as deliberately ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from models.adapters.derive import derive
from models.adapters.otlp_json import boolean, count, json_object, num, short_id, string, unredacted
from models.events import Commit, Event, PullRequest

WORD_CHARS = 6.0  # characters per word, to estimate words when the response text is redacted
USER_REJECT = frozenset({"user_reject", "user_abort"})
AUX_SOURCES = frozenset({"compact", "auxiliary"})  # requests that are not the conversation's model
Mapped = list[dict[str, Any] | Event] | str  # events (dicts still to validate), or why the record is ignored


@dataclass(slots=True)
class OtelRecord:
    attrs: dict[str, Any]
    key: str  # stable identity of the record
    base: dict[str, Any]  # fields all its events share

    def ev(self, type_: str, suffix: str, **fields: Any) -> dict[str, Any]:
        return {**self.base, "type": type_, "event_id": short_id(f"otel:{self.key}:{suffix}"), **fields}

    def tool_ev(self, type_: str, call_id: str, **fields: Any) -> dict[str, Any]:
        # keyed by the call, so one tool use seen in two records is applied once
        eid = short_id(f"otel:{self.base['session_id']}:{type_}:{call_id}")
        return {**self.base, "type": type_, "event_id": eid, "call_id": call_id, **fields}

    @property
    def model(self) -> str | None:
        aux = string(self.attrs.get("query_source")) in AUX_SOURCES
        return None if aux else string(self.attrs.get("model"), 100)


def _prompt(r: OtelRecord) -> Mapped:
    if string(r.attrs.get("command_source")) == "builtin":  # /clear, /compact, /cost: not a task
        return "user_prompt:builtin_command"
    return [r.ev("prompt", "prompt", text=unredacted(r.attrs.get("prompt")))]


def _assistant(r: OtelRecord) -> Mapped:
    text = unredacted(r.attrs.get("response"))
    words = None if text else round(count(r.attrs.get("response_length")) / WORD_CHARS)
    return [r.ev("assistant_text", "text", text=text, words=words, model=r.model)]


def _api_request(r: OtelRecord) -> Mapped:
    a = r.attrs
    cost = num(a.get("cost_usd"))
    cost = (num(a.get("cost_usd_micros")) or 0.0) / 1e6 if cost is None else cost
    tokens = {"output_tokens": count(a.get("output_tokens")), "input_tokens": count(a.get("input_tokens"))}
    return [r.ev("assistant_text", "usage", words=0, cost_usd=max(cost, 0.0), model=r.model, **tokens)]


def _api_error(r: OtelRecord) -> Mapped:
    err = string(r.attrs.get("error"), 2000) or "API request failed"
    status = string(r.attrs.get("status_code"))
    message = f"HTTP {status}: {err}" if status else err
    return [r.ev("error", "error", kind="api_error", message=message, model=r.model)]


def _api_refusal(r: OtelRecord) -> Mapped:
    if boolean(r.attrs.get("server_fallback_hop")):  # retried on another model; the user never saw it
        return "api_refusal:fallback_hop"
    return [r.ev("error", "error", kind="api_refusal", message="the model refused", model=r.model)]


def _call(r: OtelRecord, name: str, duration_ms: float | None) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """call_id, the tool_call event and the parsed tool_parameters of a tool record."""
    a = r.attrs
    call_id = string(a.get("tool_use_id")) or short_id(f"otel:{r.key}")
    params = json_object(a.get("tool_parameters"))
    inp = {k: v for k, v in params.items() if k not in ("bash_command", "full_command", "git_commit_id")}
    inp.update(json_object(a.get("tool_input")))
    command = string(params.get("full_command"), 20_000) or string(params.get("bash_command"), 20_000)
    if command and not isinstance(inp.get("command"), str):
        inp["command"] = command
    ts = r.base["ts"]
    if duration_ms and 0 < duration_ms < 86_400_000:  # the result is logged when the call ends
        ts -= duration_ms / 1000
    call = r.tool_ev("tool_call", call_id, ts=ts, name=name, input=inp, subagent=bool(string(a.get("agent_id"))))
    return call_id, call, params


def _tool_result(r: OtelRecord) -> Mapped:
    a = r.attrs
    if string(a.get("decision_type")) == "reject":  # older versions; the tool_decision record counts it
        return "tool_result:rejected"
    name = string(a.get("tool_name")) or string(a.get("name")) or "unknown"
    call_id, call, params = _call(r, name, num(a.get("duration_ms")))
    ok = boolean(a.get("success"))
    output = (string(a.get("error"), 2000) or string(a.get("error_type")) or "tool failed") if ok is False else ""
    mapped: list[dict[str, Any] | Event] = [call, r.tool_ev("tool_result", call_id, name=name, is_error=ok is False,
                                                            output=output)]  # fmt: skip
    if ok is None:  # outcome unknown: claim no commit or test result
        return mapped
    common = {k: r.base[k] for k in ("session_id", "agent", "user", "project")}
    for event in derive(call_id=call_id, name=name, tool_input=call["input"], output=output,
                        is_error=not ok, ts=r.base["ts"], common=common):  # fmt: skip
        # OTel has no command output: success is the exit status, and the commit sha is reported apart
        if isinstance(event, PullRequest) and ok:
            event = event.model_copy(update={"ok": True})
        if isinstance(event, Commit) and (sha := string(params.get("git_commit_id"), 64)):
            event = event.model_copy(update={"ok": True, "sha": sha})
        mapped.append(event)
    return mapped


def _tool_decision(r: OtelRecord) -> Mapped:
    decision = (string(r.attrs.get("decision")) or "unknown").lower()
    if decision != "reject":
        return f"tool_decision:{decision}"
    source = string(r.attrs.get("source")) or string(r.attrs.get("decision_source")) or "unknown"
    name = string(r.attrs.get("tool_name")) or "unknown"
    call_id, call, _ = _call(r, name, None)
    by_user = source in USER_REJECT  # config and hook denials are the setup's, not the user's
    result = r.tool_ev("tool_result", call_id, name=name, rejected=by_user, is_error=not by_user,
                       output=f"tool use rejected ({source})")  # fmt: skip
    return [call, result]


HANDLERS: dict[str, Callable[[OtelRecord], Mapped]] = {
    "user_prompt": _prompt, "assistant_response": _assistant, "api_request": _api_request,
    "api_error": _api_error, "api_refusal": _api_refusal, "tool_result": _tool_result,
    "tool_decision": _tool_decision,
}  # fmt: skip
