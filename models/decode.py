"""Decoding of input messages into events, with a reason for everything that is rejected.

Nothing here raises on bad input: a message becomes the events that validate plus a list of
rejections, each carrying the reason and the part of the payload that was refused, so the I/O
layer can send them to the dead-letter topic and keep the good events of a mixed batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import ValidationError

from models.events import EVENT_ADAPTER, EVENT_LIST_ADAPTER, SCHEMA_VERSION, Event

MAX_BATCH = 50_000
MIN_TS = 946_684_800  # 2000-01-01


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: str  # short machine-readable code, used as a metric label
    detail: str  # what was wrong and what to do, for people reading the dead-letter topic
    payload: bytes  # the refused bytes (the whole message, or the one bad event of a batch)


@dataclass(frozen=True, slots=True)
class Decoded:
    events: list[Event]
    rejections: list[Rejection]


def _why(exc: ValidationError) -> str:
    first = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in first["loc"]) or "event"
    more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"


def _check_time(event: Event, now: float, max_future_s: float) -> str | None:
    if event.ts > now + max_future_s:
        ahead = event.ts - now
        return f"event time is {ahead:.0f}s in the future (limit {max_future_s:.0f}s); check the producer's clock"
    if event.ts < MIN_TS:  # 2000-01-01: an epoch in the wrong unit or a zero default
        return "event time is before 2000-01-01; check the timestamp unit (seconds or ms since epoch)"
    return None


def decode_message(
    raw: bytes | None, *, now: float, max_bytes: int = 4_000_000, max_future_s: float = 300.0
) -> Decoded:
    """Events of one Kafka message; bad messages and bad events of a batch become rejections."""
    if raw is None or not raw:
        return Decoded([], [Rejection("empty", "message has no value", raw or b"")])
    if len(raw) > max_bytes:
        return Decoded(
            [],
            [Rejection("oversized", f"message is {len(raw)} bytes, limit {max_bytes}; split the batch", raw)],
        )
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return Decoded([], [Rejection("not_json", f"not valid JSON: {exc}", raw)])
    if not isinstance(doc, dict):
        return Decoded([], [Rejection("not_object", f"expected a JSON object, got {type(doc).__name__}", raw)])
    version = doc.get("v", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        return Decoded(
            [], [Rejection("unknown_version", f"schema version {version!r} is not supported (this is v1)", raw)]
        )
    if "events" not in doc:
        return _decode_items([doc], None, raw, now, max_future_s, single=True)
    items = doc["events"]
    if not isinstance(items, list):
        return Decoded([], [Rejection("bad_batch", "'events' must be a list of event objects", raw)])
    if len(items) > MAX_BATCH:
        return Decoded(
            [], [Rejection("oversized", f"batch of {len(items)} events, limit {MAX_BATCH}; split it", raw)]
        )
    session_id = doc.get("session_id")
    return _decode_items(items, session_id, raw, now, max_future_s, single=False)


def _decode_items(
    items: list[Any], session_id: Any, raw: bytes, now: float, max_future_s: float, *, single: bool
) -> Decoded:
    events: list[Event] = []
    rejections: list[Rejection] = []
    fast = _validate_all(items, session_id)
    if fast is not None:  # every item valid: one call into the validator for the whole batch
        for event in fast:
            if session_id is not None and event.session_id != session_id:
                break
            ts = event.ts
            if ts > now + max_future_s or ts < MIN_TS:
                break
            events.append(event)
        else:
            return Decoded(events, rejections)
        events = []  # a refused event: redo item by item so each rejection gets its payload
    for item in items:
        if isinstance(item, dict) and session_id is not None and "session_id" not in item:
            item = {**item, "session_id": session_id}
        try:
            event = EVENT_ADAPTER.validate_python(item)
        except ValidationError as exc:
            rejections.append(Rejection("invalid_event", _why(exc), _payload(item, raw, single)))
            continue
        if session_id is not None and event.session_id != session_id:
            detail = f"event session_id {event.session_id!r} differs from the batch's"
            rejections.append(Rejection("mixed_batch", detail, _payload(item, raw, single)))
            continue
        ts = event.ts
        if ts > now + max_future_s or ts < MIN_TS:  # inline fast check; _check_time words the reason
            rejections.append(Rejection("bad_timestamp", _check_time(event, now, max_future_s) or "",
                                        _payload(item, raw, single)))
            continue
        events.append(event)
    return Decoded(events, rejections)


def _validate_all(items: list[Any], session_id: Any) -> list[Event] | None:
    if session_id is not None:
        items = [{**i, "session_id": session_id} if isinstance(i, dict) and "session_id" not in i else i
                 for i in items]
    try:
        return EVENT_LIST_ADAPTER.validate_python(items)
    except ValidationError:
        return None


def _payload(item: Any, raw: bytes, single: bool) -> bytes:
    """The refused bytes; built only on rejection (serialising every good event cost ~15% of decode)."""
    if single:
        return raw
    return orjson.dumps(item) if isinstance(item, dict | list) else repr(item).encode()


def encode_batch(session_id: str, events: list[dict[str, Any]]) -> bytes:
    """Wire form of a batch of native events of one session (what producers send)."""
    return orjson.dumps({"v": SCHEMA_VERSION, "session_id": session_id, "events": events})
