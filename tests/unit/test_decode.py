import orjson
import pytest

from models.decode import decode_message, encode_batch
from models.events import EventType, event_json_schema

NOW = 1_780_000_000.0


def ev(i: int, **kw):
    return {"event_id": f"e{i}", "session_id": "s1", "ts": NOW - 100 + i, "type": "prompt", "text": "hi", **kw}


def test_single_event_and_batch_parse():
    one = decode_message(orjson.dumps(ev(1)), now=NOW)
    assert [e.type for e in one.events] == [EventType.PROMPT] and not one.rejections
    batch = decode_message(encode_batch("s1", [ev(1), ev(2, type="session_end")]), now=NOW)
    assert [e.event_id for e in batch.events] == ["e1", "e2"]


def test_batch_fills_in_session_id():
    item = ev(1)
    del item["session_id"]
    out = decode_message(encode_batch("s9", [item]), now=NOW)
    assert out.events[0].session_id == "s9"


def test_timestamps_iso_epoch_and_millis_agree():
    iso = decode_message(orjson.dumps(ev(1, ts="2026-05-28T20:26:40Z")), now=NOW).events[0].ts
    secs = decode_message(orjson.dumps(ev(1, ts=1780000000)), now=NOW).events[0].ts
    millis = decode_message(orjson.dumps(ev(1, ts=1780000000000)), now=NOW).events[0].ts
    assert iso == secs == millis == 1780000000.0


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"{not json", "not_json"),
        (b"[1,2]", "not_object"),
        (orjson.dumps({**ev(1), "v": 7}), "unknown_version"),
        (orjson.dumps(ev(1, type="teleport")), "invalid_event"),
        (orjson.dumps(ev(1, ts="2026-01-01T00:00:00")), "invalid_event"),  # naive time
        (orjson.dumps(ev(1, ts=NOW + 3600)), "bad_timestamp"),  # clock skew
        (orjson.dumps(ev(1, ts=12345)), "bad_timestamp"),
        (orjson.dumps({"v": 1, "events": "nope"}), "bad_batch"),
        (orjson.dumps({**ev(1), "type": "tool_call"}), "invalid_event"),  # missing call_id and name
    ],
)
def test_rejections_have_reasons_and_keep_bytes(raw, reason):
    out = decode_message(raw, now=NOW)
    assert not out.events
    assert [r.reason for r in out.rejections] == [reason]
    assert out.rejections[0].detail
    if reason in ("not_json", "unknown_version"):
        assert out.rejections[0].payload == raw


def test_oversized_message_is_rejected():
    out = decode_message(b"x" * 101, now=NOW, max_bytes=100)
    assert out.rejections[0].reason == "oversized"


def test_mixed_batch_keeps_good_events_and_rejects_only_bad_ones():
    raw = encode_batch("s1", [ev(1), ev(2, type="nope"), ev(3, session_id="other"), ev(4)])
    out = decode_message(raw, now=NOW)
    assert [e.event_id for e in out.events] == ["e1", "e4"]
    assert sorted(r.reason for r in out.rejections) == ["invalid_event", "mixed_batch"]
    assert orjson.loads(out.rejections[0].payload)["event_id"] in ("e2", "e3")


def test_json_schema_lists_every_event_type():
    schema = orjson.dumps(event_json_schema()).decode()
    for t in EventType:
        assert t.value in schema
