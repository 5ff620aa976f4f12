"""Fuzzing the decoder: no input makes it raise, and every refusal says why."""

from __future__ import annotations

import orjson
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from models.decode import MIN_TS, Decoded, decode_message, encode_batch
from models.session import apply, new_session

NOW = 1_780_000_000.0
REASONS = {"empty", "oversized", "not_json", "not_object", "unknown_version", "bad_batch", "invalid_event",
           "mixed_batch", "bad_timestamp"}
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_scalars = st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False) | st.text(
    max_size=30)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)
EVENT_FIELDS = ("v", "event_id", "session_id", "ts", "type", "text", "words", "output_tokens", "cost_usd",
                "call_id", "name", "input", "lines_added", "ok", "kind", "is_error", "events")


def _valid_events() -> list[dict]:
    return [
        {"event_id": "e1", "ts": NOW - 60, "type": "prompt", "text": "fix the failing test"},
        {"event_id": "e2", "ts": NOW - 50, "type": "tool_call", "call_id": "c1", "name": "Bash",
         "input": {"command": "pytest -q"}},
        {"event_id": "e3", "ts": NOW - 40, "type": "assistant_text", "text": "done", "output_tokens": 12,
         "cost_usd": 0.01},
        {"event_id": "e4", "ts": NOW - 30, "type": "session_end"},
    ]


VALID = encode_batch("s1", _valid_events())


def _check(decoded: Decoded) -> None:
    for r in decoded.rejections:
        assert r.reason in REASONS, r
        assert r.detail.strip(), r
        assert isinstance(r.payload, bytes)
    state = new_session("s1")
    for event in decoded.events:  # whatever got through must fold and serialise cleanly
        assert MIN_TS <= event.ts <= NOW + 300  # the policy: not before 2000, at most 300 s ahead
        apply(state, event)
    assert orjson.loads(orjson.dumps(state.to_dict()))["cost_usd"] is not None


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(raw: bytes) -> None:
    decoded = decode_message(raw, now=NOW)
    _check(decoded)
    assert decoded.events or decoded.rejections or raw.strip()  # only an empty batch yields nothing


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(["flip", "cut", "insert", "dup"]), st.integers(0, len(VALID) - 1),
                          st.binary(min_size=1, max_size=4)), min_size=1, max_size=6))
@example([("flip", 140, b"\x04")])  # found in CI: a timestamp moved to 2013, which the policy accepts
def test_mutated_valid_batches_never_raise(mutations: list) -> None:
    raw = bytearray(VALID)
    for op, at, data in mutations:
        at = min(at, len(raw) - 1)
        if op == "flip":
            raw[at] ^= data[0] or 1
        elif op == "cut":
            del raw[at:at + len(data)]
        elif op == "insert":
            raw[at:at] = data
        else:
            raw[at:at] = raw[max(0, at - 20):at]
        if not raw:
            raw = bytearray(b"{")
    _check(decode_message(bytes(raw), now=NOW))


@FUZZ
@given(st.integers(0, 3), st.sampled_from(EVENT_FIELDS), json_values)
def test_wrong_types_in_any_field_are_rejected_with_a_reason(index: int, key: str, value: object) -> None:
    events = _valid_events()
    events[index] = {**events[index], key: value}
    decoded = decode_message(encode_batch("s1", events), now=NOW)
    _check(decoded)
    assert len(decoded.events) + len(decoded.rejections) == len(events)  # one verdict per event


@FUZZ
@given(json_values.filter(lambda v: v != 1))
def test_unknown_versions_are_refused(version: object) -> None:
    decoded = decode_message(orjson.dumps({"v": version, "session_id": "s1", "events": _valid_events()}), now=NOW)
    assert not decoded.events
    assert [r.reason for r in decoded.rejections] == ["unknown_version"]


@given(st.sampled_from(["1e400", "-1e400", "1e308", str(2**64), str(-(2**64)), "NaN", "Infinity", "-Infinity",
                        '"NaN"', '"Infinity"', '"inf"', '"1e400"', "9" * 400]),
       st.sampled_from(["ts", "cost_usd", "output_tokens", "words"]))
def test_huge_numbers_nan_and_infinity(literal: str, key: str) -> None:
    raw = (b'{"event_id":"x","session_id":"s1","type":"assistant_text","ts":%f,"%s":%s}'
           % (NOW, key.encode(), literal.encode()))
    if key == "ts":
        raw = b'{"event_id":"x","session_id":"s1","type":"assistant_text","ts":%s}' % literal.encode()
    decoded = decode_message(raw, now=NOW)
    _check(decoded)
    assert not decoded.events and len(decoded.rejections) == 1


@given(st.integers(1, 5000))
def test_deep_nesting(depth: int) -> None:
    raw = b'{"event_id":"x","session_id":"s1","ts":%f,"type":"tool_call","call_id":"c","name":"Bash","input":%s1%s}' % (
        NOW, b'{"a":' * depth, b"}" * depth)
    decoded = decode_message(raw, now=NOW)
    _check(decoded)
    assert len(decoded.events) + len(decoded.rejections) == 1
    assert decode_message(b"[" * depth + b"]" * depth, now=NOW).rejections


def test_every_reason_can_happen_and_is_explained() -> None:
    samples = {
        "empty": b"",
        "oversized": b" " * 101,
        "not_json": b"{",
        "not_object": b"[1]",
        "unknown_version": b'{"v": 2}',
        "bad_batch": b'{"events": 3}',
        "invalid_event": b'{"event_id": "x"}',
        "mixed_batch": encode_batch("other", [{**_valid_events()[0], "session_id": "s1"}]),
        "bad_timestamp": orjson.dumps({**_valid_events()[0], "session_id": "s1", "ts": NOW + 3600}),
    }
    for reason, raw in samples.items():
        decoded = decode_message(raw, now=NOW, max_bytes=100 if reason == "oversized" else 4_000_000)
        assert [r.reason for r in decoded.rejections] == [reason], (reason, decoded)
    assert set(samples) == REASONS
