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

from models.events import EVENT_ADAPTER, SCHEMA_VERSION, Event

MAX_BATCH = 50_000


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
    if event.ts < 946_684_800:  # 2000-01-01: an epoch in the wrong unit or a zero default
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
    for item in items:
        if isinstance(item, dict) and session_id is not None and "session_id" not in item:
            item = {**item, "session_id": session_id}
        payload = raw if single else (orjson.dumps(item) if isinstance(item, dict | list) else repr(item).encode())
        try:
            event = EVENT_ADAPTER.validate_python(item)
        except ValidationError as exc:
            rejections.append(Rejection("invalid_event", _why(exc), payload))
            continue
        if session_id is not None and event.session_id != session_id:
            rejections.append(
                Rejection("mixed_batch", f"event session_id {event.session_id!r} differs from the batch's", payload)
            )
            continue
        problem = _check_time(event, now, max_future_s)
        if problem:
            rejections.append(Rejection("bad_timestamp", problem, payload))
            continue
        events.append(event)
    return Decoded(events, rejections)


def encode_batch(session_id: str, events: list[dict[str, Any]]) -> bytes:
    """Wire form of a batch of native events of one session (what producers send)."""
    return orjson.dumps({"v": SCHEMA_VERSION, "session_id": session_id, "events": events})
