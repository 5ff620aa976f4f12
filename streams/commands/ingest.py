"""`sessionscope ingest PATH...`: transcripts (Claude Code, Codex CLI, Copilot CLI) to the events topic.

Each session's events go to settings.topic_events keyed by session id, as batches of at most
500 events (and well under the broker's message size) in the native wire form. Event ids are
stable, so ingesting a file twice, or a crash between sending and saving the follow position,
changes nothing downstream.

Closing backfilled sessions: a transcript has no end record, so a session read from a file whose
newest event is older than settings.inactivity_gap_s (by the clock of this machine) gets a
`session_end` event with reason "inactive" at the time of that newest event. Its id is derived
from the session id and that event, so re-ingesting adds nothing, while a session that resumes
later gets a new end after its new last event. Without it, backfilled sessions would stay open
until a live event advanced the sessionizer's clock.

With --follow the command keeps tailing (appended lines and new files), remembering its position
in a state file (default <data_dir>/ingest-follow.json); see streams/follow.py.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import orjson

from models.adapters.base import stable_id
from models.decode import encode_batch
from models.events import Event, EventType, SessionEnd
from streams.follow import Follower
from streams.settings import Settings, get_settings
from streams.transcript_files import discover, read_transcript

MAX_EVENTS = 500
MAX_BYTES = 900_000  # under Kafka's default 1 MB message limit, whatever the broker's own setting
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class IngestError(ValueError):
    pass


def parse_since(text: str, now: float) -> float:
    """Epoch seconds from an ISO date/time (UTC when no zone is given) or a duration back from now (2d, 6h)."""
    m = _DURATION.match(text)
    if m:
        return now - float(m.group(1)) * _UNIT[m.group(2)]
    try:
        dt = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise IngestError(f"--since {text!r}: give an ISO date (2026-02-01) or a duration (2d, 6h, 30m)") from exc
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()


def inactive_end(session_id: str, events: list[Event], now: float, gap_s: float) -> SessionEnd | None:
    """The closing event of a session whose newest event is older than the inactivity gap."""
    if not events or any(e.type == EventType.SESSION_END for e in events):
        return None
    last = max(events, key=lambda e: (e.ts, e.event_id))
    if now - last.ts <= gap_s:
        return None
    return SessionEnd(
        type=EventType.SESSION_END, event_id=stable_id("inactive", session_id, last.event_id), session_id=session_id,
        ts=last.ts, agent=last.agent, user=last.user, project=last.project, model=last.model, reason="inactive",
    )  # fmt: skip


def batches(session_id: str, events: list[Event], max_events: int = MAX_EVENTS) -> Iterator[bytes]:
    """Wire messages of at most `max_events` events and about MAX_BYTES each."""
    chunk: list[dict[str, Any]] = []
    size = 0
    for event in events:
        doc = event.model_dump(mode="json")
        n = len(orjson.dumps(doc))
        if chunk and (len(chunk) >= max_events or size + n > MAX_BYTES):
            yield encode_batch(session_id, chunk)
            chunk, size = [], 0
        chunk.append(doc)
        size += n
    if chunk:
        yield encode_batch(session_id, chunk)


class Progress:
    def __init__(self, out: TextIO) -> None:
        self.out, self.started, self.shown = out, time.monotonic(), 0.0
        self.files = self.sessions = self.events = self.messages = self.problems = 0

    def problem(self, text: str) -> None:
        self.problems += 1
        print(f"warning: {text}", file=self.out)

    def tick(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.shown >= 1.0:
            self.shown = now
            rate = self.events / max(now - self.started, 1e-9)
            print(f"files {self.files}  events {self.events}  {rate:,.0f} events/s", file=self.out)

    def summary(self) -> str:
        took = time.monotonic() - self.started
        return (
            f"ingested {self.files} files, {self.sessions} sessions, {self.events} events in {self.messages} "
            f"messages, {self.problems} problems, {took:.1f}s ({self.events / max(took, 1e-9):,.0f} events/s)"
        )


async def _send(producer: Any, topic: str, session_id: str, events: list[Event], progress: Progress) -> None:
    futures = [await producer.send(topic, value=msg, key=session_id.encode()) for msg in batches(session_id, events)]
    for fut in futures:
        await fut
    progress.messages += len(futures)


async def ingest_files(paths: list[Path], settings: Settings, *, since: float | None, dry_run: bool,
                       now: float, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> Progress:  # fmt: skip
    """Read every transcript once and produce its events (or, dry run, report what would be sent)."""
    progress = Progress(err)
    producer = None if dry_run else await _producer(settings)
    try:
        for path in discover(paths or None, since):
            result = read_transcript(path)
            progress.files += 1
            for p in result.problems:
                progress.problem(str(p))
            events = list(result.events)
            end = inactive_end(result.session_id, events, now, settings.inactivity_gap_s)
            if end:
                events.append(end)
            if events:
                progress.sessions += 1
                progress.events += len(events)
            if dry_run:
                print(f"{path}\t{result.agent}\t{result.session_id or '-'}\t{len(events)} events\t"
                      f"{len(result.problems)} problems", file=out)  # fmt: skip
            elif events:
                await _send(producer, settings.topic_events, result.session_id, events, progress)
            progress.tick()
    finally:
        if producer is not None:
            await producer.stop()
    progress.tick(force=True)
    return progress


async def follow(paths: list[Path], settings: Settings, state: Path, *, since: float | None,
                 interval: float = 1.0, polls: int | None = None, err: TextIO = sys.stderr) -> Progress:  # fmt: skip
    """Tail transcripts until cancelled (or for `polls` rounds); positions are saved after each delivery."""
    progress = Progress(err)
    follower = Follower(paths, state, since=since)
    producer = await _producer(settings)
    last: dict[str, list[Event]] = {}  # session -> [newest event, closing event sent for it (if any)]
    try:
        round_ = 0
        while polls is None or round_ < polls:
            round_ += 1
            for batch in follower.poll():
                for p in batch.problems:
                    progress.problem(str(p))
                if batch.events:
                    progress.events += len(batch.events)
                    await _send(producer, settings.topic_events, batch.session_id, batch.events, progress)
                    newest = max(batch.events, key=lambda e: e.ts)
                    if batch.session_id not in last or newest.ts >= last[batch.session_id][0].ts:
                        last[batch.session_id] = [newest]
            for session_id, seen in last.items():
                end = inactive_end(session_id, seen[:1], time.time(), settings.inactivity_gap_s)
                if end and len(seen) == 1:
                    seen.append(end)
                    await _send(producer, settings.topic_events, session_id, [end], progress)
            follower.save()
            progress.tick()
            if polls is None or round_ < polls:
                await asyncio.sleep(interval)
    finally:
        await producer.stop()
    return progress


async def _producer(settings: Settings) -> Any:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap, linger_ms=10,
                                max_request_size=max(settings.max_message_bytes, MAX_BYTES + 65536))  # fmt: skip
    await producer.start()
    return producer


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ingest", help="send transcripts (default ~/.claude/projects) to the events topic",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("paths", nargs="*", type=Path, help="transcript files or folders")
    p.add_argument("--since", help="only files changed since an ISO date or a duration back from now (2d, 6h)")
    p.add_argument("--dry-run", action="store_true", help="parse and report; send nothing")
    p.add_argument("--follow", action="store_true", help="keep tailing appended lines and new files")
    p.add_argument("--state", type=Path, help="follow position file (default <data_dir>/ingest-follow.json)")
    p.add_argument("--interval", type=float, default=1.0, help="seconds between follow polls")
    p.add_argument("--broker", help="Kafka bootstrap, overrides settings.broker")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    settings = settings.with_broker(args.broker)
    now = time.time()
    try:
        since = parse_since(args.since, now) if args.since else None
    except IngestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    paths = [Path(p).expanduser() for p in args.paths]
    if args.follow and not args.dry_run:
        state = args.state or Path(settings.data_dir) / "ingest-follow.json"
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(follow(paths, settings, state, since=since, interval=args.interval))
        return 0
    progress = asyncio.run(ingest_files(paths, settings, since=since, dry_run=args.dry_run, now=now))
    print(progress.summary(), file=sys.stderr)
    return 0
