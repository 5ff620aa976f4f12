"""Claude Code OpenTelemetry events (one OTLP JSON logs export) -> native events, by session.

Source: https://code.claude.com/docs/en/monitoring-usage, "Events" (details in docs/otel.md). Each event
is one log record (scope com.anthropic.claude_code.events, body "claude_code.<name>", attribute event.name
"<name>") carrying session.id, prompt.id, event.sequence (monotonic per session), event.timestamp,
user.id (anonymous), user.account_uuid, user.email, organization.id; OTEL_RESOURCE_ATTRIBUTES keys are
resource attributes. OTLP JSON: resourceLogs[].scopeLogs[].logRecords[] {timeUnixNano (a decimal
string), body, attributes}; its values are read by models.adapters.otlp_json.

Which native events each Claude Code event becomes: models.adapters.otel_events.
Ids: session.id + prompt.id + event.sequence (else a hash of the record), so a redelivered export maps to
the same ids; tool events are keyed by tool_use_id when present. user: user.account_uuid, else user.id,
never the e-mail. project: attribute project / project.name / sessionscope.project, else a non-default
service.name, else the folder name of the first workspace.host_paths entry.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import ValidationError

from models.adapters.base import as_dict, as_list, epoch_or_none, project_of
from models.adapters.otel_events import HANDLERS, OtelRecord
from models.adapters.otlp_json import dump, num, otlp_attrs, otlp_value, string
from models.decode import Rejection, encode_batch
from models.events import EVENT_ADAPTER, Event

MAX_RECORDS = 50_000
MIN_TS = 946_684_800.0  # 2000-01-01: earlier means a wrong unit or a zero default
PROJECT_KEYS = ("project", "project.name", "sessionscope.project")
DEFAULT_SERVICES = frozenset({"claude-code", "claude_code", "unknown_service"})


@dataclass(slots=True)
class NormalizeResult:
    sessions: dict[str, list[Event]] = field(default_factory=dict)  # by session id, in time order
    problems: list[Rejection] = field(default_factory=list)  # skipped input and why, for the DLQ
    ignored: dict[str, int] = field(default_factory=dict)  # records deliberately not mapped, by kind
    records: int = 0

    @property
    def events(self) -> int:
        return sum(len(v) for v in self.sessions.values())


def _event_name(rec: dict[str, Any], attrs: dict[str, Any], scope: str) -> str | None:
    """The Claude Code event name without its prefix; None for records of other programs."""
    raw = string(attrs.get("event.name")) or string(rec.get("eventName"))
    body = otlp_value(rec.get("body"))
    body = body if isinstance(body, str) and body.startswith("claude_code.") else None
    ours = (raw or "").startswith("claude_code.") or body is not None or scope.startswith("com.anthropic.claude_code")
    ours = ours or string(attrs.get("service.name")) in ("claude-code", "claude_code")
    name = raw or body
    return name.removeprefix("claude_code.") if name and ours else None


def _time(rec: dict[str, Any], attrs: dict[str, Any]) -> float | None:
    nanos = num(rec.get("timeUnixNano")) or 0.0
    ts = nanos / 1e9 if nanos > 0 else epoch_or_none(attrs.get("event.timestamp"))
    nanos = num(rec.get("observedTimeUnixNano")) or 0.0
    return ts if ts is not None else (nanos / 1e9 if nanos > 0 else None)


def _identity(attrs: dict[str, Any]) -> tuple[str | None, str | None]:
    user = (string(attrs.get("user.account_uuid")) or string(attrs.get("user.account_id"))
            or string(attrs.get("user.id")))  # fmt: skip
    project = next((p for k in PROJECT_KEYS if (p := string(attrs.get(k), 300))), None)
    service = string(attrs.get("service.name"), 300)
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
        out.problems.append(Rejection("bad_record", "a log record must be a JSON object", dump(rec)))
        return
    attrs = {**res_attrs, **otlp_attrs(rec.get("attributes"))}
    name = _event_name(rec, attrs, scope)
    handler = HANDLERS.get(name) if name else None
    if handler is None:
        label = f"claude_code.{name}" if name else "not_claude_code"
        out.ignored[label] = out.ignored.get(label, 0) + 1
        return
    sid = string(attrs.get("session.id"), 1000)  # longer than the schema allows: rejected below, not cut
    ts = _time(rec, attrs)
    problem = _problem(sid, ts, now, future)
    if problem or not sid or ts is None:
        reason, _, detail = problem.partition(": ")
        out.problems.append(Rejection(reason, detail, dump(rec)))
        return
    seq = num(attrs.get("event.sequence"))
    if seq is not None:
        key = f"{sid}:{string(attrs.get('prompt.id')) or '-'}:{int(seq)}"
    else:  # no sequence (older versions): the record's content is its identity
        key = f"{sid}:h{hashlib.blake2b(dump(rec), digest_size=12).hexdigest()}"
    user, project = _identity(attrs)
    base = {"session_id": sid, "ts": ts, "agent": "claude_code", "user": user, "project": project}
    try:  # derive() validates the events it builds, so this may raise too
        mapped = handler(OtelRecord(attrs, key, base))
        if isinstance(mapped, str):
            out.ignored[mapped] = out.ignored.get(mapped, 0) + 1
            return
        events = [EVENT_ADAPTER.validate_python(e) if isinstance(e, dict) else e for e in mapped]
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        out.problems.append(Rejection("invalid_event", f"{name}: {where}: {first['msg']}", dump(rec)))
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
    return Rejection("not_otlp_logs", f'{detail} (expected {{"resourceLogs": [...]}})', raw or dump(doc))


def normalize_otlp(payload: bytes | str | dict[str, Any], *, now: float | None = None,
                   max_future_s: float = 300.0) -> NormalizeResult:  # fmt: skip
    """Native events of one OTLP JSON logs export, grouped by session id. Never raises on bad input."""
    out = NormalizeResult()
    doc = _load(payload)
    if isinstance(doc, Rejection):
        out.problems.append(doc)
        return out
    for rl in map(as_dict, doc["resourceLogs"]):
        res_attrs = otlp_attrs(as_dict(rl.get("resource")).get("attributes"))
        for sl in map(as_dict, as_list(rl.get("scopeLogs") or rl.get("instrumentationLibraryLogs"))):
            scope = string(as_dict(sl.get("scope")).get("name")) or ""  # instrumentationLibrary*: OTLP < 0.15
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
