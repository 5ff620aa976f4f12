"""The Claude backend down (errors, rate limits, hangs, garbage): sessions are classified by the rules."""

from __future__ import annotations

import itertools
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import orjson
import pytest

from models.decode import encode_batch
from tests.support import consume_sync, metric, produce_sync, wait_until

pytestmark = pytest.mark.integration
API_KEY = "sk-ant-api03-TESTKEY-do-not-leak-7f3a9c2e5b1d"
FAULTS = ("500", "429", "hang", "not_json", "wrong_shape")


class FaultyApi(BaseHTTPRequestHandler):
    faults = itertools.cycle(FAULTS)
    seen: ClassVar[list[tuple[str, str]]] = []  # (fault, request headers)
    lock = threading.Lock()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        with self.lock:
            fault = next(self.faults)
            self.seen.append((fault, str(self.headers)))
        if fault == "hang":
            time.sleep(3)  # past the client's timeout
            return self._reply(200, b"{}")
        if fault in ("500", "429"):
            return self._reply(int(fault), b'{"type":"error","error":{"type":"api_error","message":"down"}}')
        if fault == "not_json":
            return self._reply(200, b"<html>bad gateway</html>")
        return self._reply(200, orjson.dumps({"id": "msg_1", "type": "message", "role": "assistant",
                                              "model": "claude-haiku-4-5", "content": [{"type": "text", "text": "?"}],
                                              "stop_reason": "end_turn",
                                              "usage": {"input_tokens": 10, "output_tokens": 1}}))

    def _reply(self, status: int, body: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:  # the client gave up (timeout)
            pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def faulty_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FaultyApi)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _read(bootstrap: str, topic: str) -> list:
    return consume_sync(bootstrap, topic, until=lambda rs: True, timeout=10)


def test_classifier_outage_falls_back_to_rules_and_never_leaks_the_key(broker, app_env, start_worker, faulty_api):
    worker = start_worker(SESSIONSCOPE_CLASSIFIER="claude", SESSIONSCOPE_ANTHROPIC_API_KEY=API_KEY,
                          SESSIONSCOPE_ANTHROPIC_BASE_URL=faulty_api, SESSIONSCOPE_CLAUDE_TIMEOUT_S="0.5",
                          SESSIONSCOPE_CLAUDE_MAX_RETRIES="1", SESSIONSCOPE_LOG_LEVEL="info")
    now = time.time() - 600
    ids = [f"outage-{i}" for i in range(8)]
    msgs = [(sid.encode(), encode_batch(sid, [
        {"event_id": f"{sid}-p", "ts": now, "type": "prompt", "text": "fix the failing build"},
        {"event_id": f"{sid}-c", "ts": now + 5, "type": "tool_call", "call_id": "c", "name": "Bash",
         "input": {"command": "pytest -q"}},
        {"event_id": f"{sid}-e", "ts": now + 10, "type": "session_end"}])) for sid in ids]
    produce_sync(broker.bootstrap, app_env["SESSIONSCOPE_TOPIC_EVENTS"], msgs)
    records = consume_sync(broker.bootstrap, app_env["SESSIONSCOPE_TOPIC_CLASSIFIED"], timeout=120,
                           until=lambda rs: len({r.key for r in rs}) >= len(ids))
    docs = {orjson.loads(r.value)["session_id"]: orjson.loads(r.value) for r in records}
    assert set(docs) == set(ids)
    for doc in docs.values():
        assert doc["classification"]["fallback"] is True and doc["classification"]["backend"] == "rules"
        assert doc["classification"]["work_mode"]  # a full answer from the rules
    seen = FaultyApi.seen
    assert {fault for fault, _ in seen} == set(FAULTS)  # every kind of failure was met
    assert all(API_KEY in headers for _, headers in seen)  # the key was sent, to the API only
    m = wait_until(lambda: (m := worker.metrics()) and metric(m, "sessionscope_window_sessions", window="24h",
                                                                dimension="all") == len(ids) and m, 30, "windows")
    assert metric(m, "sessionscope_classifier_fallbacks_total") == len(ids)
    reasons = {dict(ls)["reason"] for (n, ls), v in m.items() if n == "sessionscope_classifier_fallbacks_total" and v}
    assert reasons >= {"timeout"} and reasons & {"server_error", "rate_limited"}

    # the key is nowhere: not in the log, not on /metrics, not in any topic the worker writes
    assert API_KEY not in worker.log_path.read_text(errors="replace")
    metrics_text = urllib.request.urlopen(f"http://127.0.0.1:{worker.metrics_port}/metrics").read().decode()
    assert API_KEY not in metrics_text and "TESTKEY" not in metrics_text
    app_id = app_env["SESSIONSCOPE_APP_ID"]
    topics = [app_env[f"SESSIONSCOPE_TOPIC_{t}"] for t in ("CLOSED", "CLASSIFIED", "STATS", "ALERTS", "DLQ")]
    topics += [f"{app_id}-{table}-changelog" for table in ("sessions", "contributions", "windows")]
    for topic in topics:
        for r in _read(broker.bootstrap, topic):
            assert b"TESTKEY" not in (r.value or b"") + (r.key or b"") + b"".join(v for _, v in r.headers), topic
