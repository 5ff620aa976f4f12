"""Claude Code OpenTelemetry events (one OTLP JSON logs export) -> native events, by session.

Source: https://code.claude.com/docs/en/monitoring-usage, "Events" (details in docs/otel.md). Each event
is one log record (scope com.anthropic.claude_code.events, body "claude_code.<name>", attribute event.name
"<name>") carrying session.id, prompt.id, event.sequence (monotonic per session), event.timestamp,
user.id (anonymous), user.account_uuid, user.email, organization.id; OTEL_RESOURCE_ATTRIBUTES keys are
resource attributes. OTLP JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding):
resourceLogs[].scopeLogs[].logRecords[] {timeUnixNano (a decimal string), body, attributes: [{key,
value: {stringValue|intValue|doubleValue|boolValue|arrayValue|kvlistValue}}]}.

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
Ids: session.id + prompt.id + event.sequence (else a hash of the record), so a redelivered export maps to
the same ids; tool events are keyed by tool_use_id when present. user: user.account_uuid, else user.id,
never the e-mail. project: attribute project / project.name / sessionscope.project, else a non-default
service.name, else the folder name of the first workspace.host_paths entry.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import ValidationError

from models.adapters.base import as_dict, as_list, epoch_or_none, project_of
from models.adapters.derive import derive
from models.decode import Rejection, encode_batch
from models.events import EVENT_ADAPTER, Commit, Event, PullRequest

MAX_RECORDS = 50_000
WORD_CHARS = 6.0  # characters per word, to estimate words when the response text is redacted
MIN_TS = 946_684_800.0  # 2000-01-01: earlier means a wrong unit or a zero default
USER_REJECT = frozenset({"user_reject", "user_abort"})
AUX_SOURCES = frozenset({"compact", "auxiliary"})  # requests that are not the conversation's model
PROJECT_KEYS = ("project", "project.name", "sessionscope.project")
DEFAULT_SERVICES = frozenset({"claude-code", "claude_code", "unknown_service"})
Mapped = list[dict[str, Any] | Event] | str  # events (dicts still to validate), or why the record is ignored


@dataclass(slots=True)
class NormalizeResult:
    sessions: dict[str, list[Event]] = field(default_factory=dict)  # by session id, in time order
    problems: list[Rejection] = field(default_factory=list)  # skipped input and why, for the DLQ
    ignored: dict[str, int] = field(default_factory=dict)  # records deliberately not mapped, by kind
    records: int = 0

    @property
    def events(self) -> int:
        return sum(len(v) for v in self.sessions.values())


# -- OTLP JSON values (lenient: a bad value becomes None, never an exception) -------------------
def _value(v: Any, depth: int = 0) -> Any:
    if not isinstance(v, dict) or depth > 8:
        return None
    for key in ("stringValue", "boolValue", "doubleValue"):
        if key in v:
            return v[key]
    if "intValue" in v:  # 64-bit ints are decimal strings in OTLP JSON
        return _num(v["intValue"])
    inner = v.get("arrayValue") or v.get("kvlistValue")
    values = inner.get("values") if isinstance(inner, dict) else None
    if not isinstance(values, list):
        return None
    return [_value(x, depth + 1) for x in values] if "arrayValue" in v else _attrs(values, depth + 1)


def _attrs(items: Any, depth: int = 0) -> dict[str, Any]:
    pairs = (i for i in (items if isinstance(items, list) else ()) if isinstance(i, dict))
    return {i["key"]: _value(i.get("value"), depth) for i in pairs if isinstance(i.get("key"), str)}


def _num(x: Any) -> float | None:
    if isinstance(x, bool) or not isinstance(x, int | float | str):
        return None
    try:
        n = float(x)
    except ValueError:
        return None
    return n if math.isfinite(n) else None


def _count(x: Any) -> int:
    n = _num(x)
    return int(min(max(n, 0.0), 10_000_000)) if n is not None else 0


def _str(x: Any, limit: int = 200) -> str | None:
    if isinstance(x, int | float) and not isinstance(x, bool):
        x = str(int(x) if isinstance(x, float) and x.is_integer() else x)
    return (x.strip()[:limit] or None) if isinstance(x, str) else None


def _bool(x: Any) -> bool | None:
    if isinstance(x, bool):
        return x
    return {"true": True, "false": False}.get(x.strip().lower()) if isinstance(x, str) else None


def _json_obj(x: Any) -> dict[str, Any]:
    try:
        doc = orjson.loads(x) if isinstance(x, str) and x.startswith("{") else x
    except orjson.JSONDecodeError:
        return {}
    return doc if isinstance(doc, dict) else {}


def _text(x: Any) -> str:
    return x if isinstance(x, str) and x.strip() != "<REDACTED>" else ""


def _dump(x: Any) -> bytes:
    try:
        return orjson.dumps(x)[:65536]
    except TypeError:
        return repr(x).encode()[:65536]


def _short(s: str) -> str:
    return s if len(s) <= 200 else "otel:" + hashlib.blake2b(s.encode(), digest_size=16).hexdigest()


# -- one record -> events ---------------------------------------------------------------------
@dataclass(slots=True)
class _Rec:
    attrs: dict[str, Any]
    key: str  # stable identity of the record
    base: dict[str, Any]  # fields all its events share

    def ev(self, type_: str, suffix: str, **fields: Any) -> dict[str, Any]:
        return {**self.base, "type": type_, "event_id": _short(f"otel:{self.key}:{suffix}"), **fields}

    def tool_ev(self, type_: str, call_id: str, **fields: Any) -> dict[str, Any]:
        # keyed by the call, so one tool use seen in two records is applied once
        eid = _short(f"otel:{self.base['session_id']}:{type_}:{call_id}")
        return {**self.base, "type": type_, "event_id": eid, "call_id": call_id, **fields}

    @property
    def model(self) -> str | None:
        aux = _str(self.attrs.get("query_source")) in AUX_SOURCES
        return None if aux else _str(self.attrs.get("model"), 100)


def _prompt(r: _Rec) -> Mapped:
    if _str(r.attrs.get("command_source")) == "builtin":  # /clear, /compact, /cost: not a task
        return "user_prompt:builtin_command"
    return [r.ev("prompt", "prompt", text=_text(r.attrs.get("prompt")))]


def _assistant(r: _Rec) -> Mapped:
    text = _text(r.attrs.get("response"))
    words = None if text else round(_count(r.attrs.get("response_length")) / WORD_CHARS)
    return [r.ev("assistant_text", "text", text=text, words=words, model=r.model)]


def _api_request(r: _Rec) -> Mapped:
    a = r.attrs
    cost = _num(a.get("cost_usd"))
    cost = (_num(a.get("cost_usd_micros")) or 0.0) / 1e6 if cost is None else cost
    tokens = {"output_tokens": _count(a.get("output_tokens")), "input_tokens": _count(a.get("input_tokens"))}
    return [r.ev("assistant_text", "usage", words=0, cost_usd=max(cost, 0.0), model=r.model, **tokens)]


def _api_error(r: _Rec) -> Mapped:
    err = _str(r.attrs.get("error"), 2000) or "API request failed"
    status = _str(r.attrs.get("status_code"))
    message = f"HTTP {status}: {err}" if status else err
    return [r.ev("error", "error", kind="api_error", message=message, model=r.model)]


def _api_refusal(r: _Rec) -> Mapped:
    if _bool(r.attrs.get("server_fallback_hop")):  # retried on another model; the user never saw it
        return "api_refusal:fallback_hop"
    return [r.ev("error", "error", kind="api_refusal", message="the model refused", model=r.model)]


def _call(r: _Rec, name: str, duration_ms: float | None) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """call_id, the tool_call event and the parsed tool_parameters of a tool record."""
    a = r.attrs
    call_id = _str(a.get("tool_use_id")) or _short(f"otel:{r.key}")
    params = _json_obj(a.get("tool_parameters"))
    inp = {k: v for k, v in params.items() if k not in ("bash_command", "full_command", "git_commit_id")}
    inp.update(_json_obj(a.get("tool_input")))
    command = _str(params.get("full_command"), 20_000) or _str(params.get("bash_command"), 20_000)
    if command and not isinstance(inp.get("command"), str):
        inp["command"] = command
    ts = r.base["ts"]
    if duration_ms and 0 < duration_ms < 86_400_000:  # the result is logged when the call ends
        ts -= duration_ms / 1000
    call = r.tool_ev("tool_call", call_id, ts=ts, name=name, input=inp, subagent=bool(_str(a.get("agent_id"))))
    return call_id, call, params


def _tool_result(r: _Rec) -> Mapped:
    a = r.attrs
    if _str(a.get("decision_type")) == "reject":  # older versions; the tool_decision record counts it
        return "tool_result:rejected"
    name = _str(a.get("tool_name")) or _str(a.get("name")) or "unknown"
    call_id, call, params = _call(r, name, _num(a.get("duration_ms")))
    ok = _bool(a.get("success"))
    output = (_str(a.get("error"), 2000) or _str(a.get("error_type")) or "tool failed") if ok is False else ""
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
        if isinstance(event, Commit) and (sha := _str(params.get("git_commit_id"), 64)):
            event = event.model_copy(update={"ok": True, "sha": sha})
        mapped.append(event)
    return mapped


def _tool_decision(r: _Rec) -> Mapped:
    decision = (_str(r.attrs.get("decision")) or "unknown").lower()
    if decision != "reject":
        return f"tool_decision:{decision}"
    source = _str(r.attrs.get("source")) or _str(r.attrs.get("decision_source")) or "unknown"
    name = _str(r.attrs.get("tool_name")) or "unknown"
    call_id, call, _ = _call(r, name, None)
    by_user = source in USER_REJECT  # config and hook denials are the setup's, not the user's
    result = r.tool_ev("tool_result", call_id, name=name, rejected=by_user, is_error=not by_user,
                       output=f"tool use rejected ({source})")  # fmt: skip
    return [call, result]


HANDLERS: dict[str, Callable[[_Rec], Mapped]] = {
    "user_prompt": _prompt, "assistant_response": _assistant, "api_request": _api_request,
    "api_error": _api_error, "api_refusal": _api_refusal, "tool_result": _tool_result,
    "tool_decision": _tool_decision,
}  # fmt: skip


def _event_name(rec: dict[str, Any], attrs: dict[str, Any], scope: str) -> str | None:
    """The Claude Code event name without its prefix; None for records of other programs."""
    raw = _str(attrs.get("event.name")) or _str(rec.get("eventName"))
    body = _value(rec.get("body"))
    body = body if isinstance(body, str) and body.startswith("claude_code.") else None
    ours = (raw or "").startswith("claude_code.") or body is not None or scope.startswith("com.anthropic.claude_code")
    ours = ours or _str(attrs.get("service.name")) in ("claude-code", "claude_code")
    name = raw or body
    return name.removeprefix("claude_code.") if name and ours else None


def _time(rec: dict[str, Any], attrs: dict[str, Any]) -> float | None:
    nanos = _num(rec.get("timeUnixNano")) or 0.0
    ts = nanos / 1e9 if nanos > 0 else epoch_or_none(attrs.get("event.timestamp"))
    nanos = _num(rec.get("observedTimeUnixNano")) or 0.0
    return ts if ts is not None else (nanos / 1e9 if nanos > 0 else None)


def _identity(attrs: dict[str, Any]) -> tuple[str | None, str | None]:
    user = _str(attrs.get("user.account_uuid")) or _str(attrs.get("user.account_id")) or _str(attrs.get("user.id"))
    project = next((p for k in PROJECT_KEYS if (p := _str(attrs.get(k), 300))), None)
    service = _str(attrs.get("service.name"), 300)
    paths = [p for p in as_list(attrs.get("workspace.host_paths")) if isinstance(p, str)]
    if not project and service not in DEFAULT_SERVICES:
        project = service
    return user, project or (project_of(paths[0]) if paths else None)


def _problem(sid: str | None, ts: float | None, now: float | None, future: float) -> str:
    if not sid:
        return "no_session_id: record has no session.id attribute; check OTEL_METRICS_INCLUDE_SESSION_ID"
    if ts is None or ts < MIN_TS:
        return "bad_timestamp: no usable timeUnixNano or event.timestamp (nanoseconds since the epoch)"
    if now is not None and ts > now + future:
        return f"bad_timestamp: event time is {ts - now:.0f}s in the future; check the sender's clock"
    return ""


def _record(out: NormalizeResult, rec: Any, res_attrs: dict[str, Any], scope: str, now: float | None,
            future: float) -> None:  # fmt: skip
    if not isinstance(rec, dict):
        out.problems.append(Rejection("bad_record", "a log record must be a JSON object", _dump(rec)))
        return
    attrs = {**res_attrs, **_attrs(rec.get("attributes"))}
    name = _event_name(rec, attrs, scope)
    handler = HANDLERS.get(name) if name else None
    if handler is None:
        label = f"claude_code.{name}" if name else "not_claude_code"
        out.ignored[label] = out.ignored.get(label, 0) + 1
        return
    sid = _str(attrs.get("session.id"), 1000)  # longer than the schema allows: rejected below, not cut
    ts = _time(rec, attrs)
    problem = _problem(sid, ts, now, future)
    if problem or not sid or ts is None:
        reason, _, detail = problem.partition(": ")
        out.problems.append(Rejection(reason, detail, _dump(rec)))
        return
    seq = _num(attrs.get("event.sequence"))
    if seq is not None:
        key = f"{sid}:{_str(attrs.get('prompt.id')) or '-'}:{int(seq)}"
    else:  # no sequence (older versions): the record's content is its identity
        key = f"{sid}:h{hashlib.blake2b(_dump(rec), digest_size=12).hexdigest()}"
    user, project = _identity(attrs)
    base = {"session_id": sid, "ts": ts, "agent": "claude_code", "user": user, "project": project}
    try:  # derive() validates the events it builds, so this may raise too
        mapped = handler(_Rec(attrs, key, base))
        if isinstance(mapped, str):
            out.ignored[mapped] = out.ignored.get(mapped, 0) + 1
            return
        events = [EVENT_ADAPTER.validate_python(e) if isinstance(e, dict) else e for e in mapped]
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        out.problems.append(Rejection("invalid_event", f"{name}: {where}: {first['msg']}", _dump(rec)))
        return
    out.sessions.setdefault(sid, []).extend(events)


def _load(payload: Any) -> dict[str, Any] | Rejection:
    if isinstance(payload, dict):
        doc: Any = payload
        raw = b""
    elif not isinstance(payload, str | bytes | bytearray | memoryview | None):
        return Rejection("not_otlp_logs", f"payload must be bytes, str or dict, not {type(payload).__name__}", b"")
    else:
        raw = payload.encode() if isinstance(payload, str) else bytes(payload or b"")
        if not raw:
            return Rejection("empty", "message has no value", raw)
        try:
            doc = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            binary = raw.lstrip()[:1] not in (b"{", b"[")
            hint = "; it looks binary: set the kafka exporter's logs.encoding to otlp_json" if binary else ""
            return Rejection("not_json", f"not valid JSON ({exc}){hint}", raw)
    if isinstance(doc, dict) and isinstance(doc.get("resourceLogs"), list):
        return doc
    kinds = ("resourceMetrics", "resourceSpans")
    other = next((k[8:].lower() for k in kinds if isinstance(doc, dict) and k in doc), "")
    detail = f"an OTLP {other} export; route only logs to this topic" if other else "not an OTLP JSON logs export"
    return Rejection("not_otlp_logs", f'{detail} (expected {{"resourceLogs": [...]}})', raw or _dump(doc))


def normalize_otlp(payload: bytes | str | dict[str, Any], *, now: float | None = None,
                   max_future_s: float = 300.0) -> NormalizeResult:  # fmt: skip
    """Native events of one OTLP JSON logs export, grouped by session id. Never raises on bad input."""
    out = NormalizeResult()
    doc = _load(payload)
    if isinstance(doc, Rejection):
        out.problems.append(doc)
        return out
    for rl in map(as_dict, doc["resourceLogs"]):
        res_attrs = _attrs(as_dict(rl.get("resource")).get("attributes"))
        for sl in map(as_dict, as_list(rl.get("scopeLogs") or rl.get("instrumentationLibraryLogs"))):
            scope = _str(as_dict(sl.get("scope")).get("name")) or ""  # instrumentationLibrary*: OTLP < 0.15
            for rec in as_list(sl.get("logRecords")):
                out.records += 1
                if out.records > MAX_RECORDS:
                    detail = f"more than {MAX_RECORDS} records in one export; lower the collector's batch size"
                    out.problems.append(Rejection("oversized", detail, b""))
                    return out
                _record(out, rec, res_attrs, scope, now, max_future_s)
    for events in out.sessions.values():
        events.sort(key=lambda e: e.ts)
    return out


def encode_sessions(result: NormalizeResult) -> dict[str, bytes]:
    """One native batch message per session: the values to send to the events topic, keyed by session."""
    return {
        sid: encode_batch(sid, [e.model_dump(mode="json", exclude_none=True) for e in events])
        for sid, events in result.sessions.items()
    }
