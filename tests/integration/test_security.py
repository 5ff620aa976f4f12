"""Transcript text is redacted or dropped before it leaves the worker; /metrics binds to loopback."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from models.decode import encode_batch
from streams.settings import Settings
from tests.support import consume_sync, produce_sync

pytestmark = pytest.mark.integration
SECRET = "sk-ant-api03-PLANTEDSECRET0123456789abcdef"
EMAIL = "jane.doe.planted@example.com"


def _all(bootstrap: str, topic: str) -> bytes:
    records = consume_sync(bootstrap, topic, until=lambda rs: True, timeout=10)
    return b"".join((r.key or b"") + (r.value or b"") + b"".join(v for _, v in r.headers) for r in records)


@pytest.mark.parametrize("policy", ["redact", "drop"])
def test_planted_secrets_leave_no_trace_in_any_topic(broker, app_env, start_worker, policy):
    start_worker(SESSIONSCOPE_TRANSCRIPT_TEXT=policy)
    now = time.time() - 600
    events = [{"event_id": "p1", "ts": now, "type": "prompt", "text": f"use key {SECRET} and mail {EMAIL}"},
              {"event_id": "t1", "ts": now + 1, "type": "tool_call", "call_id": "c", "name": "Bash",
               "input": {"command": f"curl -H 'x-api-key: {SECRET}' -d {EMAIL}"}},
              {"event_id": "a1", "ts": now + 2, "type": "assistant_text", "text": f"sent to {EMAIL} with {SECRET}"},
              {"event_id": "e1", "ts": now + 3, "type": "session_end"}]
    bad_json = f'{{"text": "{SECRET} {EMAIL}", broken'.encode()
    bad_event = encode_batch("sec-2", [{"event_id": "x", "ts": "yesterday", "type": "prompt",
                                        "text": f"{SECRET} {EMAIL}"}])
    topic = app_env["SESSIONSCOPE_TOPIC_EVENTS"]
    produce_sync(broker.bootstrap, topic, [(b"sec-1", encode_batch("sec-1", events)), (b"sec-2", bad_json),
                                           (b"sec-2", bad_event)])
    consume_sync(broker.bootstrap, app_env["SESSIONSCOPE_TOPIC_CLASSIFIED"], until=lambda rs: len(rs) >= 1,
                 timeout=60)
    dlq = consume_sync(broker.bootstrap, app_env["SESSIONSCOPE_TOPIC_DLQ"], until=lambda rs: len(rs) >= 2, timeout=60)
    assert len(dlq) == 2
    app_id = app_env["SESSIONSCOPE_APP_ID"]
    topics = [app_env[f"SESSIONSCOPE_TOPIC_{t}"] for t in ("CLOSED", "CLASSIFIED", "STATS", "ALERTS", "DLQ")]
    topics += [f"{app_id}-{table}-changelog" for table in ("sessions", "contributions", "windows")]
    closed = _all(broker.bootstrap, app_env["SESSIONSCOPE_TOPIC_CLOSED"])
    assert b"sec-1" in closed  # the session did go through
    for name in topics:
        data = _all(broker.bootstrap, name)
        assert SECRET.encode() not in data and b"PLANTEDSECRET" not in data, name
        assert EMAIL.encode() not in data, name


def test_metrics_bind_to_loopback_unless_configured(start_worker):
    assert Settings.model_fields["metrics_host"].default == "127.0.0.1"
    worker = start_worker()
    port = f"{worker.metrics_port:04X}"
    listening = [line.split()[1] for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
                 if line.split()[3] == "0A" and line.split()[1].endswith(":" + port)]
    assert listening == [f"0100007F:{port}"]  # 127.0.0.1 only
