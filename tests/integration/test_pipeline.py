"""The core pipeline against the real broker and real worker processes."""

from __future__ import annotations

import time

import orjson
import pytest

from models.decode import encode_batch
from models.generator import generate, messages
from models.session import structure
from streams.chaos.workload import sentinels
from tests.support import consume_sync, metric, produce_sync, wait_until

pytestmark = pytest.mark.integration

STRUCTURE_KEYS = ("turns", "actions", "lines_added", "lines_removed", "commits", "pull_requests", "test_runs",
                  "test_passes", "test_failures", "errors", "user_corrections", "duration_s")


def _sessions(n: int, seed: int, end_probability: float = 0.8):
    # sessions of a few hours ago; sentinels() at the current time then close the unended ones
    now = time.time()
    return generate(n, seed=seed, start=now - 4 * 3600, span_s=2 * 3600, end_probability=end_probability)


def _classified(bootstrap: str, topic: str, n: int, timeout: float = 120) -> list:
    def enough(records: list) -> bool:
        return len({r.key for r in records}) >= n

    return consume_sync(bootstrap, topic, until=enough, timeout=timeout)


def test_every_session_classified_once_with_true_structure_and_metrics(broker, app_env, start_worker):
    worker = start_worker()
    sessions = _sessions(300, seed=1)
    topic = app_env["SESSIONSCOPE_TOPIC_EVENTS"]
    produce_sync(broker.bootstrap, topic, ((k.encode(), v) for _, k, v in messages(sessions, batch_events=40)))
    produce_sync(broker.bootstrap, topic, sentinels(4, time.time()))
    records = _classified(broker.bootstrap, app_env["SESSIONSCOPE_TOPIC_CLASSIFIED"], len(sessions) + 4)
    records = [r for r in records if not r.key.startswith(b"sentinel-")]
    by_id = {}
    for r in records:
        doc = orjson.loads(r.value)
        assert r.key.decode() == doc["session_id"]
        assert doc["session_id"] not in by_id, "a session was written twice"
        by_id[doc["session_id"]] = doc
    assert set(by_id) == {s.session_id for s in sessions}
    for s in sessions:
        got = by_id[s.session_id]["structure"]
        for key in STRUCTURE_KEYS:
            assert got[key] == pytest.approx(s.truth[key]), (s.session_id, key)
    reasons = {d["close_reason"] for d in by_id.values()}
    assert reasons == {"end_event", "inactivity"}  # both ways of closing happened

    def metrics_caught_up():
        m = worker.metrics()
        n = metric(m, "sessionscope_window_sessions", window="24h", dimension="all")
        return m if n == len(sessions) + 4 else None

    m = wait_until(metrics_caught_up, 30, "window gauges to count every session")
    assert metric(m, "sessionscope_sessions_classified_total") == len(sessions) + 4
    assert metric(m, "sessionscope_events_processed_total") == sum(len(s.events) for s in sessions) + 8
    shares = [v for (n, ls), v in m.items() if n == "sessionscope_window_work_mode_share"
              and ("window", "24h") in ls and ("dimension", "all") in ls]
    assert len(shares) == 9 and sum(shares) == pytest.approx(1.0)
    sentinel_docs = [orjson.loads(r.value) for r in _classified(broker.bootstrap,
                     app_env["SESSIONSCOPE_TOPIC_CLASSIFIED"], len(sessions) + 4) if r.key.startswith(b"sentinel-")]
    rated = [d for d in [*by_id.values(), *sentinel_docs] if d["derived"]["rated"]]
    verified = sum(1 for d in rated if d["derived"]["verified_success"]) / len(rated)
    assert metric(m, "sessionscope_window_outcome_rate", window="24h", dimension="all",
                  outcome="verified_success") == pytest.approx(verified)
    assert metric(m, "sessionscope_window_sessions", window="24h", dimension="expertise") == len(sessions) + 4
    assert metric(m, "sessionscope_open_sessions") == 0


def test_malformed_messages_go_to_the_dead_letter_topic_and_the_worker_keeps_running(broker, app_env, start_worker):
    worker = start_worker()
    now = time.time()
    good = {"event_id": "g1", "ts": now, "type": "prompt", "text": "explain the parser", "agent": "codex"}
    bad = [
        (b"k1", b"{definitely not json"),
        (b"k2", orjson.dumps({"v": 99, "event_id": "x", "session_id": "k2", "ts": now, "type": "prompt"})),
        (b"k3", orjson.dumps({"event_id": "x", "session_id": "k3", "ts": "2026-01-01T00:00:00", "type": "prompt"})),
        (b"k4", orjson.dumps({"event_id": "x", "session_id": "k4", "ts": now + 86400, "type": "prompt"})),
        (b"wrong", encode_batch("k5", [good])),
        (b"k6", b"\xff\xfe\x00garbage"),
    ]
    produce_sync(broker.bootstrap, app_env["SESSIONSCOPE_TOPIC_EVENTS"], bad)
    dlq = consume_sync(broker.bootstrap, app_env["SESSIONSCOPE_TOPIC_DLQ"], until=lambda r: len(r) >= len(bad),
                       timeout=60)
    reasons = sorted(dict(r.headers)["sessionscope-reason"].decode() for r in dlq)
    assert reasons == sorted(["not_json", "unknown_version", "invalid_event", "bad_timestamp", "wrong_key",
                              "not_json"])
    assert bad[0][1] in [r.value for r in dlq]  # the original bytes are kept
    assert all(dict(r.headers)["sessionscope-detail"] for r in dlq)
    # still alive and still classifying
    produce_sync(broker.bootstrap, app_env["SESSIONSCOPE_TOPIC_EVENTS"],
                 [(b"ok1", encode_batch("ok1", [{**good, "session_id": "ok1"},
                                                {"event_id": "g2", "ts": now, "type": "session_end"}]))])
    got = _classified(broker.bootstrap, app_env["SESSIONSCOPE_TOPIC_CLASSIFIED"], 1, timeout=60)
    assert orjson.loads(got[0].value)["session_id"] == "ok1"
    assert worker.alive()
    assert metric(worker.metrics(), "sessionscope_dead_letters_total") == len(bad)


def test_restart_after_sigterm_resumes_from_changelogs_without_loss_or_double_count(broker, app_env, start_worker):
    worker = start_worker()
    sessions = _sessions(200, seed=7, end_probability=1.0)
    msgs = [(k.encode(), v) for _, k, v in messages(sessions, batch_events=10)]
    half = len(msgs) // 2
    topic = app_env["SESSIONSCOPE_TOPIC_EVENTS"]
    produce_sync(broker.bootstrap, topic, msgs[:half])
    wait_until(lambda: metric(worker.metrics(), "sessionscope_sessions_classified_total") > 0, 60,
               "some sessions classified before the restart")
    worker.stop()  # SIGTERM
    assert not worker.alive()
    worker = start_worker()
    produce_sync(broker.bootstrap, topic, msgs[half:])
    records = _classified(broker.bootstrap, app_env["SESSIONSCOPE_TOPIC_CLASSIFIED"], len(sessions))
    ids = {orjson.loads(r.value)["session_id"] for r in records}
    assert ids == {s.session_id for s in sessions}
    for r in records:  # a session classified before the restart keeps its structure after it
        doc = orjson.loads(r.value)
        truth = next(s.truth for s in sessions if s.session_id == doc["session_id"])
        assert doc["structure"]["actions"] == truth["actions"]

    def windows_exact():
        return metric(worker.metrics(), "sessionscope_window_sessions", window="24h", dimension="all") == len(sessions)

    wait_until(windows_exact, 30, "each session counted exactly once in the windows after the restart")


def test_structure_of_generated_truth_matches_the_reducer():
    # guards the integration assertions above: the generator's truth is the reducer's arithmetic
    from models.decode import decode_message
    from models.session import apply, new_session

    for s in _sessions(20, seed=3):
        state = new_session(s.session_id)
        for _, _, raw in messages([s], batch_events=7):
            for e in decode_message(raw, now=time.time()).events:
                apply(state, e)
        assert {k: structure(state)[k] for k in STRUCTURE_KEYS} == {k: s.truth[k] for k in STRUCTURE_KEYS}


def test_idle_partitions_close_sessions_by_inactivity(broker, app_env, start_worker):
    # live sessions without an end event and no traffic after them: event time must still advance
    start_worker(SESSIONSCOPE_INACTIVITY_GAP_S="3")
    now = time.time()
    msgs = []
    for i in range(6):
        sid = f"idle-{i}"
        events = [{"event_id": f"{sid}-1", "ts": now - 2, "type": "prompt", "text": "explain the build"},
                  {"event_id": f"{sid}-2", "ts": now - 1, "type": "assistant_text", "text": "It compiles twice."}]
        msgs.append((sid.encode(), encode_batch(sid, events)))
    produce_sync(broker.bootstrap, app_env["SESSIONSCOPE_TOPIC_EVENTS"], msgs)
    records = _classified(broker.bootstrap, app_env["SESSIONSCOPE_TOPIC_CLASSIFIED"], 6, timeout=60)
    docs = [orjson.loads(r.value) for r in records]
    assert {d["close_reason"] for d in docs} == {"inactivity"}
    assert all(d["closed_at"] - now >= 3 for d in docs)  # not before the gap
