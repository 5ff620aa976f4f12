"""Real sources end to end: transcript ingest (once, again, and live), OTel exports, the SessionEnd hook.

Every test runs the `sessionscope` commands as the user would (subprocesses configured through
SESSIONSCOPE_* variables) against the real broker and a real worker.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from models.adapters.otel import normalize_otlp
from models.decode import encode_batch
from models.windows import parse_windows
from streams.chaos.workload import sentinels
from streams.commands.ingest import inactive_end
from streams.settings import Settings
from streams.transcript_files import discover, read_transcript
from tests.support import ROOT, consume_sync, metric, produce_sync, shared_data, wait_until
from tests.unit.test_otel import S1, T0, export, session_one

pytestmark = pytest.mark.integration

CLASSIFIED = "sessionscope_sessions_classified_total"
PROCESSED = "sessionscope_events_processed_total"
DUPLICATES = "sessionscope_events_duplicate_total"
CLOSED = "sessionscope_sessions_closed_total"
WINDOWS = str(Settings.model_fields["windows"].default)  # the worker runs with the default windows


def cli_env(broker: Any, app_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("SESSIONSCOPE_")}, **app_env,
            "SESSIONSCOPE_BROKER": broker.url, "SESSIONSCOPE_DATA_DIR": str(tmp_path / "cli-state")}  # fmt: skip


def sessionscope(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "streams.cli", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, f"sessionscope {' '.join(args)} failed:\n{done.stderr}"
    return done


def classified(broker: Any, app_env: dict[str, str], until: Callable[[dict[str, dict]], bool],
               timeout: float = 90) -> dict[str, dict]:  # fmt: skip
    """The newest revision of each classified session, once `until` holds for them."""

    def latest(records: list) -> dict[str, dict]:
        out: dict[str, dict] = {}
        for r in records:
            doc = orjson.loads(r.value)
            if doc["rev"] >= out.get(doc["session_id"], {}).get("rev", 0):
                out[doc["session_id"]] = doc
        return out

    records = consume_sync(broker.bootstrap, app_env["SESSIONSCOPE_TOPIC_CLASSIFIED"],
                           until=lambda rs: until(latest(rs)), timeout=timeout)  # fmt: skip
    return latest(records)


def expected_sessions(paths: list[Path], now: float) -> dict[str, tuple[str, int]]:
    """session id -> (agent, events the ingest sends, its closing event included)."""
    out = {}
    for path in discover(paths):
        r = read_transcript(path)
        if r.events:
            out[r.session_id] = (r.agent, len(r.events) + bool(inactive_end(r.session_id, r.events, now, 1800.0)))
    return out


def test_reingesting_the_same_transcripts_changes_nothing_downstream(broker, app_env, start_worker, tmp_path):
    data = shared_data() / "transcripts"
    now = time.time()
    expected = expected_sessions([data], now)
    oldest = min(e.ts for p in discover([data]) for e in read_transcript(p).events)
    # A closed session is forgotten closed_retention_s (1 day) of event time behind its partition's
    # newest event; after that its re-sent events count as new and it is classified again. Months of
    # backfill therefore need a retention that covers them for a re-ingest to be recognised.
    worker = start_worker(SESSIONSCOPE_CLOSED_RETENTION_S=str(int(now - oldest) + 86400))
    env = cli_env(broker, app_env, tmp_path)
    total = sum(n for _, n in expected.values())
    assert {a for a, _ in expected.values()} == {"claude_code", "codex", "copilot_cli"} and len(expected) == 30

    sessionscope(env, "ingest", str(data))
    docs = classified(broker, app_env, lambda d: len(d) >= len(expected))
    assert set(docs) == set(expected)
    # months-old transcripts close on the ingest's "inactive" end marker, not by waiting a gap
    assert {d["close_reason"] for d in docs.values()} == {"end_event"}

    def settled() -> dict | None:
        m = worker.metrics()
        return m if metric(m, CLASSIFIED) == len(expected) and metric(m, PROCESSED) == total else None

    first = wait_until(settled, 60, "every session classified and every event applied once")
    # the windows cover event time at the watermark (the newest session), not the months before it
    watermark = max(d["end_ts"] for d in docs.values())
    for spec in parse_windows(WINDOWS):
        end = spec.end_containing(watermark)
        in_window = sum(1 for d in docs.values() if end - spec.size_s <= d["end_ts"] < end)
        assert metric(first, "sessionscope_window_sessions", window=spec.name, dimension="all") == in_window >= 1
    assert metric(first, "sessionscope_event_time_watermark_seconds") == pytest.approx(watermark)

    sessionscope(env, "ingest", str(data))
    wait_until(
        lambda: metric(worker.metrics(), DUPLICATES) == metric(first, DUPLICATES) + total,
        60,
        "every re-ingested event recognised as a duplicate",
    )
    again = worker.metrics()
    # the duplicate counter moves in the same step as any close would: nothing was closed again
    for name in (CLASSIFIED, PROCESSED, CLOSED):
        assert metric(again, name) == metric(first, name), name
    for spec in parse_windows(WINDOWS):
        labels = {"window": spec.name, "dimension": "all"}
        assert metric(again, "sessionscope_window_sessions", **labels) == metric(
            first, "sessionscope_window_sessions", **labels
        )
    assert metric(again, "sessionscope_dead_letters_total") == 0
    assert worker.alive()


def test_classified_records_carry_each_agent(broker, app_env, start_worker, tmp_path):
    start_worker()
    folder = shared_data() / "transcripts" / "EntityProcess-agentv"  # Claude Code, Codex and Copilot CLI
    expected = expected_sessions([folder], time.time())
    sessionscope(cli_env(broker, app_env, tmp_path), "ingest", str(folder))
    docs = classified(broker, app_env, lambda d: len(d) >= len(expected))
    assert {sid: d["agent"] for sid, d in docs.items()} == {sid: agent for sid, (agent, _) in expected.items()}
    assert {d["agent"] for d in docs.values()} == {"claude_code", "codex", "copilot_cli"}
    for agent in ("claude_code", "codex", "copilot_cli"):  # each agent's sessions have real structure
        assert sum(d["structure"]["actions"] for d in docs.values() if d["agent"] == agent) > 0, agent


def _live_lines(path: Path, end_ago: float) -> list[bytes]:
    """A transcript's lines with their timestamps moved so its last record was `end_ago` seconds ago."""
    docs = [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
    stamped = [d for d in docs if isinstance(d.get("timestamp"), str)]
    shift = time.time() - end_ago - max(datetime.fromisoformat(d["timestamp"]).timestamp() for d in stamped)
    for d in stamped:
        moved = datetime.fromisoformat(d["timestamp"]).timestamp() + shift
        d["timestamp"] = datetime.fromtimestamp(moved, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return [orjson.dumps(d) + b"\n" for d in docs]


def test_follow_picks_up_appended_lines_and_new_files(broker, app_env, start_worker, tmp_path):
    worker = start_worker()
    env = cli_env(broker, app_env, tmp_path)
    live = tmp_path / "live"
    live.mkdir()
    source = shared_data() / "transcripts" / "marot-spotter"
    first_lines = _live_lines(source / "tool_heavy.jsonl", end_ago=120)
    first = live / "tool_heavy.jsonl"
    first.write_bytes(b"".join(first_lines[: len(first_lines) // 2]))

    def processed() -> float:
        return metric(worker.metrics(), PROCESSED)

    def events_in(*paths: Path) -> int:
        return sum(len(read_transcript(p).events) for p in paths)

    follower = subprocess.Popen([sys.executable, "-m", "streams.cli", "ingest", "--follow", str(live), "--state",
                                 str(tmp_path / "follow.json"), "--interval", "0.2"], cwd=ROOT, env=env,
                                stderr=(tmp_path / "follow.log").open("wb"))  # fmt: skip
    try:
        half = events_in(first)
        assert half > 0
        wait_until(lambda: processed() == half, 60, "the first half of the live transcript")
        with first.open("ab") as fh:  # the agent writes on
            fh.write(b"".join(first_lines[len(first_lines) // 2 :]))
        wait_until(lambda: processed() == events_in(first), 60, "the appended lines")
        assert events_in(first) > half

        second = live / "short.jsonl"  # a new session starts
        second.write_bytes(b"".join(_live_lines(source / "short.jsonl", end_ago=30)))
        wait_until(lambda: processed() == events_in(first, second), 60, "the new file's events")
        assert follower.poll() is None, (tmp_path / "follow.log").read_text()
    finally:
        follower.terminate()
        follower.wait(30)

    # both sessions are live (recent events, no end): open until an end marker arrives
    assert metric(worker.metrics(), "sessionscope_open_sessions") == 2
    new_id = read_transcript(second).session_id
    sessionscope(env, "send-end", "--session-id", new_id, "--reason", "prompt_input_exit")
    docs = classified(broker, app_env, lambda d: new_id in d)
    assert set(docs) == {new_id} and docs[new_id]["close_reason"] == "end_event"
    assert docs[new_id]["structure"]["turns"] == sum(e.type == "prompt" for e in read_transcript(second).events) > 0
    wait_until(lambda: metric(worker.metrics(), "sessionscope_open_sessions") == 1, 30, "the first still open")


def _recent(payload: dict[str, Any], shift_s: float) -> dict[str, Any]:
    for resource in payload["resourceLogs"]:
        for scope in resource["scopeLogs"]:
            for r in scope["logRecords"]:
                for key in ("timeUnixNano", "observedTimeUnixNano"):
                    r[key] = str(int(r[key]) + int(shift_s * 1e9))
    return payload


def test_otel_export_becomes_a_classified_session_and_garbage_goes_to_the_dlq(broker, app_env, start_worker,
                                                                               tmp_path):  # fmt: skip
    worker = start_worker()
    env = cli_env(broker, app_env, tmp_path)
    payload = orjson.dumps(_recent(export(*session_one()), time.time() - 600 - T0))
    n_events = len(normalize_otlp(payload).sessions[S1])
    garbage = b"\x0a\x8f\x02\x12 protobuf sent by mistake"
    produce_sync(broker.bootstrap, app_env["SESSIONSCOPE_TOPIC_OTEL"], [(b"res-1", payload), (b"res-2", garbage)])
    wait_until(lambda: metric(worker.metrics(), PROCESSED) == n_events, 60, "the OTel events sessionized")

    sessionscope(env, "send-end", "--session-id", S1, "--reason", "prompt_input_exit")
    doc = classified(broker, app_env, lambda d: S1 in d)[S1]
    s = doc["structure"]
    assert doc["close_reason"] == "end_event" and doc["rev"] == 1
    assert (s["turns"], s["actions"], s["errors"], s["output_tokens"]) == (3, 6, 2, 650)
    assert (s["commits"], s["test_runs"], s["user_corrections"]) == (1, 2, 1)
    assert (doc["agent"], doc["project"], doc["user"]) == ("claude_code", "shop-api", "acct-uuid-1")

    dlq = consume_sync(broker.bootstrap, app_env["SESSIONSCOPE_TOPIC_DLQ"], until=lambda r: len(r) >= 1, timeout=30)
    [dead] = dlq
    headers = {k: v.decode() for k, v in dead.headers}
    assert (headers["sessionscope-stage"], headers["sessionscope-reason"]) == ("otel", "not_json")
    assert dead.value == garbage and headers["sessionscope-source"].startswith(app_env["SESSIONSCOPE_TOPIC_OTEL"])
    assert metric(worker.metrics(), "sessionscope_dead_letters_total", stage="otel") == 1


def test_send_end_from_the_hook_closes_an_open_session_at_once(broker, app_env, start_worker, tmp_path):
    worker = start_worker()
    env = cli_env(broker, app_env, tmp_path)
    sid, now = "hook-session-1", time.time()
    events = [{"event_id": "p1", "ts": now - 60, "type": "prompt", "text": "add a health check"},
              {"event_id": "c1", "ts": now - 50, "type": "tool_call", "call_id": "t1", "name": "Read",
               "input": {"file_path": "app.py"}},
              {"event_id": "r1", "ts": now - 49, "type": "tool_result", "call_id": "t1"}]  # fmt: skip
    produce_sync(broker.bootstrap, app_env["SESSIONSCOPE_TOPIC_EVENTS"], [(sid.encode(), encode_batch(sid, events))])
    wait_until(lambda: metric(worker.metrics(), "sessionscope_open_sessions") == 1, 60, "the session open")

    hook = json.dumps({"session_id": sid, "transcript_path": f"/home/ada/.claude/projects/x/{sid}.jsonl",
                       "cwd": "/home/ada/shop-api", "hook_event_name": "SessionEnd", "reason": "logout"})  # fmt: skip
    started = time.monotonic()
    sessionscope(env, "send-end", "--from-hook", stdin=hook)
    assert time.monotonic() - started < 15  # within the hook's timeout
    doc = classified(broker, app_env, lambda d: sid in d, timeout=30)[sid]
    # the inactivity gap is 30 minutes: only the end marker can have closed it
    assert doc["close_reason"] == "end_event" and doc["project"] == "shop-api"
    assert (doc["structure"]["turns"], doc["structure"]["actions"]) == (1, 1)
    assert metric(worker.metrics(), "sessionscope_open_sessions") == 0

    before = worker.metrics()
    sessionscope(env, "send-end", "--from-hook", stdin=hook)  # the hook fired twice: the same event id
    wait_until(lambda: metric(worker.metrics(), DUPLICATES) == metric(before, DUPLICATES) + 1, 30, "the duplicate")
    assert metric(worker.metrics(), CLOSED) == metric(before, CLOSED)


def test_topics_command_creates_the_plan_once(broker, app_env, tmp_path):
    env = {**cli_env(broker, app_env, tmp_path), "SESSIONSCOPE_TOPIC_EVENTS": f"{app_env['SESSIONSCOPE_APP_ID']}-new"}
    first = sessionscope(env, "topics").stdout.splitlines()
    assert f"{env['SESSIONSCOPE_TOPIC_EVENTS']}\t4\tcreated" in first and len(first) == 7
    assert sum(line.endswith("\texists") for line in first) == 6  # app_env created the others
    again = sessionscope(env, "topics").stdout.splitlines()
    assert all(line.endswith("\texists") for line in again) and len(again) == 7
    listed = sessionscope(env, "topics", "--list").stdout.splitlines()
    assert listed == [line.rsplit("\t", 1)[0] for line in again]


def _topics_on(bootstrap: str) -> set[str]:
    async def names() -> set[str]:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            return set(await admin.list_topics())
        finally:
            await admin.close()

    return asyncio.run(names())


def test_provisioned_topics_serve_workers_that_may_not_create_any(broker, app_env, start_worker, tmp_path):
    app_id = f"{app_env['SESSIONSCOPE_APP_ID']}-provisioned"
    env = {**cli_env(broker, app_env, tmp_path), "SESSIONSCOPE_APP_ID": app_id, "SESSIONSCOPE_DECLARE_TOPICS": "false"}
    created = [line.rsplit("\t", 1)[0] for line in sessionscope(env, "topics").stdout.splitlines()
               if line.endswith("\tcreated")]
    assert sorted(created) == sorted([f"{app_id}-sessions-changelog\t4", f"{app_id}-contributions-changelog\t1",
                                      f"{app_id}-windows-changelog\t1", f"{app_id}-__assignor-__leader\t1"])
    before = _topics_on(broker.bootstrap)
    start_worker(SESSIONSCOPE_APP_ID=app_id, SESSIONSCOPE_DECLARE_TOPICS="false")
    marks = sentinels(4, time.time())
    produce_sync(broker.bootstrap, app_env["SESSIONSCOPE_TOPIC_EVENTS"], marks)
    docs = classified(broker, app_env, lambda got: len(got) >= 4)
    assert set(docs) == {key.decode() for key, _ in marks}
    assert _topics_on(broker.bootstrap) == before  # the worker ran on what was provisioned and created nothing
