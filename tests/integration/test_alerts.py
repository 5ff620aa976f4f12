"""The in-stream success-rate-drop alert, end to end: sessions in, firing and resolved records out.

The worker compares the 1h window's verified-success rate with the 24h baseline for the cohorts
all, agent and expertise, and writes each state change to the alerts topic (streams/aggregator.py,
models/alerting.py). The scenario below is laid out in event time so that each phase leaves the
1h window in a known state; the alert records carry the event time of their decision, so the
test can tell in which phase the alert fired and resolved, whatever the batching.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiokafka.partitioner import murmur2

from models.classification import derived, expertise_label
from models.classify.rules import classify
from models.decode import decode_message, encode_batch
from models.session import apply, new_session, structure
from tests.integration.test_prometheus_live import PrometheusServer
from tests.promql_exprs import rule_expressions
from tests.support import consume_sync, metric, produce_sync, wait_until

pytestmark = pytest.mark.integration

MIN_SESSIONS = 8  # SESSIONSCOPE_ALERT_MIN_SESSIONS for the worker
DROP, CLEAR = 0.7, 0.85  # fire below DROP x baseline, clear above CLEAR x baseline
PARTITIONS = 4  # SESSIONSCOPE_PARTITIONS of the app_env fixture
AGENT, EXPERTISE = "claude_code", "intermediate"
ALERT_DIMENSIONS = {"all": "all", "agent": AGENT, "expertise": EXPERTISE}  # what the worker watches

# The Prometheus rule that mirrors the in-stream alert (without its `for:`).
RATE_DROP_RULE = dict(rule_expressions("alert"))["sessionscope-rules.yml: sessionscope/SessionscopeSuccessRateDrop"]


def _steps(ok: bool) -> list[tuple[str, dict[str, Any]]]:
    """A session that verifiably succeeds (tests pass, commit, affirmation) or fails (errors, complaint)."""
    if ok:
        return [
            ("prompt", {"text": "add a --dry-run flag to the invoice export command and cover it with a test"}),
            ("assistant_text", {"text": "I'll add the flag to the export command, then a test for it."}),
            ("tool_call", {"call_id": "c1", "name": "Edit", "input": {"file_path": "src/export.py"},
                           "lines_added": 12, "lines_removed": 2}),
            ("tool_result", {"call_id": "c1", "name": "Edit", "output": "ok"}),
            ("tool_call", {"call_id": "c2", "name": "Bash", "input": {"command": "pytest -q tests/test_export.py"}}),
            ("tool_result", {"call_id": "c2", "name": "Bash", "output": "5 passed"}),
            ("test_run", {"ok": True, "command": "pytest -q tests/test_export.py", "passed": 5, "failed": 0}),
            ("commit", {"ok": True, "sha": "abc1234", "message": "export: add --dry-run"}),
            ("user_feedback", {"kind": "affirm", "text": "great, that works, thanks"}),
            ("session_end", {"reason": "exit"}),
        ]
    return [
        ("prompt", {"text": "fix the failing deploy of the billing service, it crashes on start"}),
        ("assistant_text", {"text": "Let me look at the start-up error."}),
        ("tool_call", {"call_id": "c1", "name": "Bash", "input": {"command": "make deploy"}}),
        ("tool_result", {"call_id": "c1", "name": "Bash", "is_error": True, "output": "Error: connection refused"}),
        ("error", {"kind": "tool_error", "message": "make deploy failed"}),
        ("user_feedback", {"kind": "complaint", "text": "this is still broken, it does not work at all"}),
        ("tool_call", {"call_id": "c2", "name": "Bash", "input": {"command": "make deploy"}}),
        ("tool_result", {"call_id": "c2", "name": "Bash", "is_error": True, "output": "Error: connection refused"}),
        ("error", {"kind": "tool_error", "message": "make deploy failed again"}),
        ("session_end", {"reason": "exit"}),
    ]


def _session_ids() -> Any:
    """Session ids that all land on partition 0: one partition keeps the sessions in event-time
    order through the sessionizer, so the 1h window always holds a contiguous run of them."""
    i = 0
    while True:
        sid = f"alert-session-{i}"
        if (murmur2(sid.encode()) & 0x7FFFFFFF) % PARTITIONS == 0:
            yield sid
        i += 1


def _session(sid: str, end_ts: float, ok: bool) -> list[dict[str, Any]]:
    base = {"session_id": sid, "agent": AGENT, "user": "user-alerts", "project": "acme/billing",
            "model": "claude-sonnet-4"}
    steps = _steps(ok)
    return [{**base, "event_id": f"{sid}:{i}", "ts": round(end_ts - (len(steps) - 1 - i) * 5.0, 3), "type": kind,
             **fields} for i, (kind, fields) in enumerate(steps)]


def _verified(events: list[dict[str, Any]]) -> bool:
    """What the worker's rule classifier will make of a session: checked offline before it is sent."""
    sid = events[0]["session_id"]
    state = new_session(sid)
    for event in decode_message(encode_batch(sid, events), now=time.time()).events:
        apply(state, event)
    c = classify(state)
    d = derived(c, structure(state))
    assert d["rated"] and expertise_label(c.expertise) == EXPERTISE, (c, d)  # one cohort per dimension
    return bool(d["verified_success"])


class Scenario:
    """Sessions placed in event time, phase by phase, each checked against the rule classifier."""

    def __init__(self) -> None:
        self.ids = _session_ids()
        self.sent: list[bool] = []

    def phase(self, first_end: float, step_s: float, pattern: str) -> list[list[dict[str, Any]]]:
        """One session per character of pattern ("V" verified success, "F" failed), step_s apart."""
        out = []
        for i, ch in enumerate(pattern):
            events = _session(next(self.ids), first_end + i * step_s, ch == "V")
            assert _verified(events) is (ch == "V"), f"the rule classifier disagrees with the scenario: {events}"
            out.append(events)
        self.sent += [ch == "V" for ch in pattern]
        return out

    @property
    def baseline(self) -> float:
        return sum(self.sent) / len(self.sent)


def _rule_cohorts(prom: PrometheusServer) -> set[tuple[str, str]]:
    return {(r["metric"]["dimension"], r["metric"]["cohort"]) for r in prom.query(RATE_DROP_RULE)}


def _alerts(bootstrap: str, topic: str, until: Any, timeout: float = 60) -> dict[str, list[dict[str, Any]]]:
    records = consume_sync(bootstrap, topic, until=lambda rs: until(_by_key(rs)), timeout=timeout)
    return _by_key(records)


def _by_key(records: list[Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        out.setdefault(r.key.decode(), []).append(orjson.loads(r.value))
    return out


def test_rate_drop_fires_and_resolves_with_hysteresis_but_not_on_a_steady_rate_or_a_small_sample(
        broker, app_env, start_worker, tmp_path: Path) -> None:
    worker = start_worker(SESSIONSCOPE_ALERT_MIN_SESSIONS=str(MIN_SESSIONS),
                          SESSIONSCOPE_ALERT_DROP_RATIO=str(DROP), SESSIONSCOPE_ALERT_CLEAR_RATIO=str(CLEAR))
    prom = PrometheusServer(tmp_path / "prometheus", [f"127.0.0.1:{worker.metrics_port}"]).start()
    try:
        _run_scenario(broker, app_env, worker, prom)
    finally:
        prom.stop()


def _run_scenario(broker: Any, app_env: dict[str, str], worker: Any, prom: PrometheusServer) -> None:
    events_topic, alerts_topic = app_env["SESSIONSCOPE_TOPIC_EVENTS"], app_env["SESSIONSCOPE_TOPIC_ALERTS"]
    t = float(round(time.time()) - 60)  # the last session ends a minute ago
    s = Scenario()
    produced = 0

    def feed(sessions: list[list[dict[str, Any]]]) -> None:
        nonlocal produced
        produce_sync(broker.bootstrap, events_topic,
                     [(evs[0]["session_id"].encode(), encode_batch(evs[0]["session_id"], evs)) for evs in sessions])
        produced += len(sessions)
        # the whole phase is counted (and the alert decided) before the next one is sent
        wait_until(lambda: metric(worker.metrics(), "sessionscope_window_sessions", window="24h",
                                  dimension="all") == produced, 60, f"{produced} sessions in the 24h window")

    def window(name: str) -> tuple[float, float]:
        m = worker.metrics()
        return (metric(m, "sessionscope_window_rated_sessions", window=name, dimension="all"),
                metric(m, "sessionscope_window_outcome_rate", window=name, dimension="all",
                       outcome="verified_success"))

    # A. Steady baseline, 10.3 to 4.4 hours ago: 75% verified, every 1h window alike (>= 6 of 9).
    a_first = t - 37200
    feed(s.phase(a_first, 300, "VVVF" * 18))
    assert window("1h") == (12, 0.75)  # enough sessions for a decision, and it was: no alert
    # B. A small sample after an hour of silence: 5 failed sessions, alone in the 1h window,
    #    below MIN_SESSIONS: no decision either way.
    b_first = t - 12000
    feed(s.phase(b_first, 300, "F" * 5))
    assert window("1h") == (5, 0.0)
    # C. The drop: 20 failed sessions; it fires once the window holds MIN_SESSIONS of them.
    c_first, c_last = t - 10200, t - 10200 + 19 * 120
    feed(s.phase(c_first, 120, "F" * 20))
    wait_until(lambda: metric(worker.metrics(), "sessionscope_alert_active", alert="success_rate_drop",
                              window="1h") == len(ALERT_DIMENSIONS), 30, "the alert to fire for every watched cohort")
    # The Prometheus rule (20 rated sessions in the hour, 0.7 x the 24h rate) agrees.
    wait_until(lambda: _rule_cohorts(prom) >= {("all", "all"), ("agent", AGENT), ("expertise", EXPERTISE)}, 30,
               f"SessionscopeSuccessRateDrop's condition to hold in Prometheus (log {prom.log_path})")
    # D. Partial recovery, 5 of 12 verified: above DROP x baseline but below CLEAR x baseline.
    #    Without hysteresis the alert would resolve here; with it, it keeps firing.
    d_first = c_last + 600
    feed(s.phase(d_first, 300, "F" * 7 + "V" * 5))
    rated, rate = window("1h")
    assert rated == 12 and DROP * s.baseline < rate < CLEAR * s.baseline, (rated, rate, s.baseline)
    # E. Recovery: 24 verified sessions within the last 55 minutes (the 1h window's end is rounded
    #    up to its 5-minute step, so it always covers the 55 minutes before the latest session).
    e_first = t - 23 * 140
    feed(s.phase(e_first, 140, "V" * 24))
    assert window("1h") == (24, 1.0)
    wait_until(lambda: prom.value('sessionscope:window_rated_sessions:max{window="1h", dimension="all"}') == 24,
               30, "Prometheus to record the recovered hour")
    assert not _rule_cohorts(prom)  # enough sessions in the hour, and the rate is back

    expected_keys = {f"success_rate_drop:{d}:{c}" for d, c in ALERT_DIMENSIONS.items()}
    # every watched cohort holds the same sessions here, so each fires and resolves exactly once
    got = _alerts(broker.bootstrap, alerts_topic,
                  until=lambda by_key: all(len(by_key.get(k, [])) >= 2 for k in expected_keys))
    assert set(got) == expected_keys, got
    for key, records in got.items():
        assert [r["state"] for r in records] == ["firing", "resolved"], (key, records)
        firing, resolved = records
        dim = key.split(":")[1]
        assert (firing["dimension"], firing["cohort"]) == (dim, ALERT_DIMENSIONS[dim])
        assert firing["alert"] == "success_rate_drop"
        assert (firing["short_window"], firing["baseline_window"]) == ("1h", "24h")
        # fired in C: not on the steady baseline (A) nor on the small sample (B)
        assert c_first <= firing["event_time"] <= c_last, (key, firing)
        assert firing["short_rate"] < DROP * firing["baseline_rate"]
        assert firing["short_rate"] < firing["baseline_rate"]
        assert firing["short_sessions"] >= MIN_SESSIONS and firing["baseline_sessions"] >= MIN_SESSIONS
        # resolved in E, not in D: hysteresis
        assert e_first <= resolved["event_time"] <= t, (key, resolved)
        assert resolved["short_rate"] >= CLEAR * resolved["baseline_rate"]
    m = worker.metrics()
    assert metric(m, "sessionscope_alerts_total", alert="success_rate_drop", state="firing") == len(expected_keys)
    assert metric(m, "sessionscope_alerts_total", alert="success_rate_drop", state="resolved") == len(expected_keys)
    assert metric(m, "sessionscope_alert_active", alert="success_rate_drop", window="1h") == 0
