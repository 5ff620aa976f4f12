"""Late events and bad input against the real broker and a real worker."""

from __future__ import annotations

import time

import orjson
import pytest

from models.decode import encode_batch
from streams.chaos.workload import sentinels
from tests.support import consume_sync, metric, produce_sync, wait_until

pytestmark = pytest.mark.integration


def _ev(eid: str, ts: float, kind: str, **fields: object) -> dict:
    return {"event_id": eid, "ts": ts, "type": kind, **fields}


def _revisions(bootstrap: str, topic: str, want: dict[str, int], timeout: float = 60) -> dict[str, list[dict]]:
    """Classified records by session, once each session in `want` has reached the given revision."""
    def done(records: list) -> bool:
        revs: dict[str, int] = {}
        for r in records:
            doc = orjson.loads(r.value)
            revs[doc["session_id"]] = max(revs.get(doc["session_id"], 0), doc["rev"])
        return all(revs.get(sid, 0) >= rev for sid, rev in want.items())

    out: dict[str, list[dict]] = {}
    for r in consume_sync(bootstrap, topic, until=done, timeout=timeout):
        doc = orjson.loads(r.value)
        out.setdefault(doc["session_id"], []).append(doc)
    return out


def test_late_event_reopens_the_session_and_corrects_the_windows(broker, app_env, start_worker):
    worker = start_worker()
    events_topic, classified = app_env["SESSIONSCOPE_TOPIC_EVENTS"], app_env["SESSIONSCOPE_TOPIC_CLASSIFIED"]
    t0 = time.time() - 3600
    first = [_ev("e1", t0, "prompt", text="add a --verbose flag to the cli"),
             _ev("e2", t0 + 10, "tool_call", call_id="c1", name="Read", input={"file_path": "cli.py"}),
             _ev("e3", t0 + 20, "assistant_text", text="I added the flag and its test"),
             _ev("e4", t0 + 30, "session_end")]
    produce_sync(broker.bootstrap, events_topic, [(b"late-1", encode_batch("late-1", first))])
    rev1 = _revisions(broker.bootstrap, classified, {"late-1": 1})["late-1"]
    assert [d["rev"] for d in rev1] == [1] and rev1[0]["structure"]["actions"] == 1

    late = _ev("e5", t0 + 15, "tool_call", call_id="c2", name="Edit",
               input={"file_path": "cli.py", "old_string": "a", "new_string": "a\nb"})
    produce_sync(broker.bootstrap, events_topic, [(b"late-1", encode_batch("late-1", [late]))])
    docs = _revisions(broker.bootstrap, classified, {"late-1": 2})["late-1"]
    assert [d["rev"] for d in docs] == [1, 2]
    fixed = docs[-1]["structure"]
    assert (fixed["actions"], fixed["lines_added"], fixed["events"], fixed["duration_s"]) == (2, 2, 5, 30)

    def corrected():
        m = worker.metrics()
        return m if metric(m, "sessionscope_window_actions_per_prompt", window="24h", dimension="all") == 2 else None

    m = wait_until(corrected, 30, "the window to show the corrected actions per prompt")
    assert metric(m, "sessionscope_late_events_total") == 1
    assert metric(m, "sessionscope_sessions_reopened_total") == 1
    assert metric(m, "sessionscope_window_sessions", window="24h", dimension="all") == 1  # counted once
    assert metric(m, "sessionscope_window_sessions", window="1h", dimension="all") in (0, 1)

    # the same late event again is a duplicate: no third revision, nothing counted twice
    produce_sync(broker.bootstrap, events_topic, [(b"late-1", encode_batch("late-1", [late])),
                                                   (b"marker", encode_batch("marker", [_ev("m1", t0, "session_end")]))])
    docs = _revisions(broker.bootstrap, classified, {"marker": 1})
    assert [d["rev"] for d in docs["late-1"]] == [1, 2]
    m = wait_until(lambda: (m := worker.metrics()) and metric(m, "sessionscope_window_sessions", window="24h",
                                                                dimension="all") == 2 and m, 30, "marker counted")
    assert metric(m, "sessionscope_events_duplicate_total") == 1
    assert metric(m, "sessionscope_sessions_reopened_total") == 1


def test_an_old_session_arriving_after_newer_traffic_is_counted_in_its_own_window(broker, app_env, start_worker):
    # a backfill delivers sessions in no particular order: one from 30 h ago after today's traffic
    worker = start_worker()
    events_topic, classified = app_env["SESSIONSCOPE_TOPIC_EVENTS"], app_env["SESSIONSCOPE_TOPIC_CLASSIFIED"]
    now = time.time()
    produce_sync(broker.bootstrap, events_topic, sentinels(4, now))
    wait_until(lambda: metric(worker.metrics(), "sessionscope_window_sessions", window="24h", dimension="all") == 4,
               60, "the sentinels in the windows")
    old = now - 30 * 3600
    produce_sync(broker.bootstrap, events_topic, [(b"old-1", encode_batch("old-1", [
        _ev("o1", old, "prompt", text="summarise the logs"), _ev("o2", old + 5, "session_end")]))])
    _revisions(broker.bootstrap, classified, {"old-1": 1})
    end = int(old // 300) * 300 + 300  # the 1h window that ends with the old session's 5-minute bucket

    def snapshot_with_old_session(records: list) -> bool:
        for r in records:
            snap = orjson.loads(r.value)
            if snap["window"] == "1h" and snap["end"] == end and snap["cohorts"]["all"]["all"]["sessions"] == 1:
                return True
        return False

    consume_sync(broker.bootstrap, app_env["SESSIONSCOPE_TOPIC_STATS"], until=snapshot_with_old_session, timeout=60)
    m = worker.metrics()
    assert metric(m, "sessionscope_sessions_outside_retention_total") == 0
    assert metric(m, "sessionscope_window_sessions", window="24h", dimension="all") == 4  # the current window


def test_past_retention_a_late_event_starts_a_segment_that_no_window_counts(broker, app_env, start_worker):
    # closed sessions and window buckets are kept for the retention in event time *and* wall time;
    # here both are a few seconds so the test sees them expire
    worker = start_worker(SESSIONSCOPE_CLOSED_RETENTION_S="2", SESSIONSCOPE_ALLOWED_LATENESS_S="1")
    events_topic, classified = app_env["SESSIONSCOPE_TOPIC_EVENTS"], app_env["SESSIONSCOPE_TOPIC_CLASSIFIED"]
    now = time.time()
    old = now - 30 * 3600  # older than the 24 h window plus the allowed lateness
    produce_sync(broker.bootstrap, events_topic, [(b"old-1", encode_batch("old-1", [
        _ev("o1", old, "prompt", text="summarise the logs"), _ev("o2", old + 5, "session_end")]))])
    _revisions(broker.bootstrap, classified, {"old-1": 1})
    produce_sync(broker.bootstrap, events_topic, sentinels(4, now))  # event time is now everywhere
    wait_until(lambda: metric(worker.metrics(), "sessionscope_window_sessions", window="24h", dimension="all") == 4,
               60, "the sentinels in the windows")

    # past closed_retention_s the closed session is forgotten: a tombstone on the sessions changelog
    changelog = f"{app_env['SESSIONSCOPE_APP_ID']}-sessions-changelog"
    consume_sync(broker.bootstrap, changelog, timeout=60,
                 until=lambda rs: any(r.key == b"old-1" and r.value is None for r in rs))

    # the old buckets are forgotten once idle for the allowed lateness, when the aggregator next
    # runs, and with them the contributions they were built from: fresh sessions keep it running
    # until the old session's contribution has a tombstone on its changelog
    contributions_changelog = f"{app_env['SESSIONSCOPE_APP_ID']}-contributions-changelog"
    fresh = iter(range(10_000))

    def old_bucket_forgotten() -> bool:
        sid = f"fresh-{next(fresh)}"
        produce_sync(broker.bootstrap, events_topic, [(sid.encode(), encode_batch(sid, [
            _ev(f"{sid}-p", time.time(), "prompt", text="hello"), _ev(f"{sid}-e", time.time(), "session_end")]))])
        records = consume_sync(broker.bootstrap, contributions_changelog, timeout=30, until=lambda rs: len(rs) > 0)
        return any(r.key == b"old-1" and r.value is None for r in records)

    wait_until(old_bucket_forgotten, 90, "the old window bucket forgotten", interval=1.0)
    produce_sync(broker.bootstrap, events_topic, [(b"old-1", encode_batch("old-1", [
        _ev("o3", old + 2, "tool_call", call_id="c", name="Bash", input={"command": "ls"})]))])
    wait_until(lambda: metric(worker.metrics(), "sessionscope_sessions_outside_retention_total") == 1, 60,
               "the late segment counted outside the retention")
    records = consume_sync(broker.bootstrap, classified, timeout=60,
                           until=lambda rs: sum(r.key == b"old-1" for r in rs) >= 2)
    segments = [orjson.loads(r.value) for r in records if r.key == b"old-1"]
    assert segments[0]["structure"]["events"] == 2
    assert segments[1]["structure"]["events"] == 1  # a new segment, not a reopening of the first
    m = worker.metrics()
    assert metric(m, "sessionscope_sessions_reopened_total") == 0


def test_bad_timestamps_and_oversized_messages_go_to_the_dlq_and_good_events_stay(broker, app_env, start_worker):
    worker = start_worker(SESSIONSCOPE_MAX_MESSAGE_BYTES="50000")
    now = time.time()
    mixed = [_ev("g1", now - 60, "prompt", text="run the tests"),
             _ev("future", now + 86400, "tool_call", call_id="f", name="Bash", input={"command": "date"}),
             _ev("g2", now - 50, "tool_call", call_id="c1", name="Bash", input={"command": "pytest -q"}),
             _ev("skewed", 631152000.0, "assistant_text", text="1990, a clock reset"),
             _ev("g3", now - 40, "session_end")]
    huge = encode_batch("big-1", [_ev("h1", now, "prompt", text="x" * 60_000)])
    produce_sync(broker.bootstrap, app_env["SESSIONSCOPE_TOPIC_EVENTS"],
                 [(b"mix-1", encode_batch("mix-1", mixed)), (b"big-1", huge)])
    dlq = consume_sync(broker.bootstrap, app_env["SESSIONSCOPE_TOPIC_DLQ"], until=lambda r: len(r) >= 3, timeout=60)
    by_reason: dict[str, list] = {}
    for r in dlq:
        h = {k: v.decode() for k, v in r.headers}
        assert h["sessionscope-stage"] == "decode" and h["sessionscope-detail"]
        assert h["sessionscope-source"].startswith(app_env["SESSIONSCOPE_TOPIC_EVENTS"] + "/")
        by_reason.setdefault(h["sessionscope-reason"], []).append(r)
    assert sorted((k, len(v)) for k, v in by_reason.items()) == [("bad_timestamp", 2), ("oversized", 1)]
    assert {orjson.loads(r.value)["event_id"] for r in by_reason["bad_timestamp"]} == {"future", "skewed"}
    assert by_reason["oversized"][0].value == huge and by_reason["oversized"][0].key == b"big-1"

    good = _revisions(broker.bootstrap, app_env["SESSIONSCOPE_TOPIC_CLASSIFIED"], {"mix-1": 1})["mix-1"][-1]
    assert (good["structure"]["events"], good["structure"]["turns"], good["structure"]["actions"]) == (3, 1, 1)
    m = worker.metrics()
    assert metric(m, "sessionscope_dead_letters_total", stage="decode", reason="bad_timestamp") == 2
    assert metric(m, "sessionscope_dead_letters_total", stage="decode", reason="oversized") == 1
    assert worker.alive()
