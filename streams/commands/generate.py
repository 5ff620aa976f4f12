"""`sessionscope generate N`: synthetic sessions (models.generator) to Kafka or to a JSONL file.

Kafka: messages go to the events topic keyed by session id, with the time of their last event as
the Kafka timestamp. JSONL: one line per message, {"ts": ..., "key": ..., "value": <the message>},
for replaying or inspecting. The sessions' truth can be written beside them with --truth.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import orjson
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from models.events import to_epoch
from models.generator import Message, disorder, generate, messages
from streams.settings import Settings, get_settings

_IN_FLIGHT = 2000  # sends awaited together; bounds memory while keeping the producer's batches full


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate", help="produce synthetic sessions calibrated to the study",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("n", type=int, help="number of sessions")
    p.add_argument(
        "--seed",
        type=int,
        default=1,
        help="same seed, same sessions and event ids (default 1); vary it to add new sessions",
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument("--jsonl", type=Path, metavar="FILE", help="write messages here instead of producing")
    out.add_argument("--broker", help="Kafka bootstrap, e.g. kafka://127.0.0.1:9092 (default: settings)")
    p.add_argument("--topic", help="topic to produce to (default: settings.topic_events)")
    p.add_argument("--single", action="store_true", help="one event per message instead of batches")
    p.add_argument("--batch-events", type=int, default=50, help="events per batch message (default 50)")
    p.add_argument("--rate", type=float, default=0.0, help="events per second to produce (default: no limit)")
    p.add_argument("--span-hours", type=float, default=24.0, help="sessions start within this span (default 24)")
    p.add_argument("--start", default="now",
                   help="ISO time with zone where the span starts, or 'now' (default): the span ends now, "
                        "so no event lies in the future")  # fmt: skip
    p.add_argument(
        "--end-probability",
        type=float,
        default=0.9,
        help="share of sessions closed by an end event; the rest close by inactivity (default 0.9)",
    )
    p.add_argument("--drift", action="store_true", help="move work-mode shares along the study's trend")
    p.add_argument(
        "--duplicates",
        type=float,
        default=0.0,
        help="share of messages delivered twice, with some reordering (reliability tests)",
    )
    p.add_argument("--truth", type=Path, metavar="FILE", help="also write each session's truth as JSONL")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    span_s = args.span_hours * 3600.0
    if args.n < 0 or span_s <= 0 or args.batch_events < 1 or args.rate < 0:
        print("generate: N must be >= 0, --span-hours and --batch-events > 0, --rate >= 0", file=sys.stderr)
        return 2
    try:
        start = time.time() - span_s if args.start == "now" else to_epoch(args.start)
    except ValueError as exc:
        print(f"generate: --start {args.start!r}: {exc}", file=sys.stderr)
        return 2
    began = time.perf_counter()
    sessions = generate(args.n, seed=args.seed, start=start, span_s=span_s, end_probability=args.end_probability,
                        drift=args.drift)  # fmt: skip
    msgs = list(messages(sessions, batch_events=args.batch_events, single=args.single))
    dup_events = 0
    if args.duplicates > 0:
        msgs, dup_events = disorder(msgs, seed=args.seed, duplicate_rate=args.duplicates)
    built = time.perf_counter() - began
    if args.truth:
        with args.truth.open("wb") as f:
            for s in sessions:
                f.write(orjson.dumps({"session_id": s.session_id, "agent": s.agent, "model": s.model,
                                      "project": s.project, "user": s.user, **s.truth}) + b"\n")  # fmt: skip
    began = time.perf_counter()
    if args.jsonl:
        _write_jsonl(args.jsonl, msgs)
        where = str(args.jsonl)
    else:
        settings = get_settings()
        bootstrap = Settings(broker=args.broker).bootstrap if args.broker else settings.bootstrap
        topic = args.topic or settings.topic_events
        try:
            asyncio.run(_produce(bootstrap, topic, msgs, args.rate))
        except KafkaError as exc:
            print(f"generate: producing to {topic} at {bootstrap} failed: {exc!r}. Is the broker up and the topic "
                  "created (sessionscope topics)?", file=sys.stderr)  # fmt: skip
            return 1
        where = f"{topic} at {bootstrap}"
    sent = time.perf_counter() - began
    events = sum(len(s.events) for s in sessions)
    size = sum(len(m[2]) for m in msgs)
    print(f"generated {len(sessions):,} sessions, {events:,} events in {built:.2f}s; "
          f"wrote {len(msgs):,} messages ({size / 1e6:.1f} MB, {dup_events:,} duplicate events) to {where} "
          f"in {sent:.2f}s")  # fmt: skip
    return 0


def _write_jsonl(path: Path, msgs: list[Message]) -> None:
    with path.open("wb") as f:
        for ts, key, value in msgs:  # value is JSON already: splice it in rather than parse it again
            f.write(b'{"ts":' + orjson.dumps(ts) + b',"key":' + orjson.dumps(key) + b',"value":' + value + b"}\n")


async def _produce(bootstrap: str, topic: str, msgs: list[Message], rate: float) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, max_request_size=4_000_000)
    await producer.start()
    try:
        began = time.monotonic()
        events = 0
        pending = []
        for ts, key, value in msgs:
            pending.append(await producer.send(topic, value, key=key.encode(), timestamp_ms=int(ts * 1000)))
            if rate:
                events += value.count(b'"event_id"')
                ahead = events / rate - (time.monotonic() - began)
                if ahead > 0.01:
                    await asyncio.sleep(ahead)
            if len(pending) >= _IN_FLIGHT:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
