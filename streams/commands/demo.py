"""`sessionscope demo`: the whole pipeline on an embedded broker, fed by generated sessions."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from aiokafka import AIOKafkaProducer
from prometheus_client.parser import text_string_to_metric_families

from models.generator import generate, messages
from streams.broker import EmbeddedBroker, free_port
from streams.process_group import stop_process_group
from streams.settings import Settings
from streams.topics import create_topics


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run broker, worker and a generator; watch sessions being classified")
    p.add_argument("--sessions-per-second", type=float, default=20.0)
    p.add_argument("--duration", type=float, default=0, help="stop after this many seconds (0: until Ctrl-C)")
    p.add_argument("--workdir", default=".state/demo")
    p.set_defaults(func=run)


def _port(preferred: int) -> int:
    import socket

    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            return free_port()


def _scrape(port: int) -> dict[str, float]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=3).read().decode()
    out: dict[str, float] = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            lab = s.labels
            if lab.get("window") not in (None, "1h") or lab.get("dimension") not in (None, "all"):
                continue
            key = s.name + "".join(f"|{lab[k]}" for k in ("mode", "outcome", "reason") if k in lab)
            out[key] = out.get(key, 0.0) + s.value
    return out


def _summary(m: dict[str, float], started: float) -> str:
    modes = sorted(((k.split("|")[1], v) for k, v in m.items() if k.startswith("sessionscope_window_work_mode_share|")),
                   key=lambda kv: -kv[1])[:4]
    rate = {k.split("|")[1]: v for k, v in m.items() if k.startswith("sessionscope_window_outcome_rate|")}
    classified = sum(v for k, v in m.items() if k.startswith("sessionscope_sessions_classified_total"))
    events = sum(v for k, v in m.items() if k.startswith("sessionscope_events_processed_total"))
    return (f"[{time.time() - started:5.0f}s] events {events:,.0f}  classified {classified:,.0f}  "
            f"open {m.get('sessionscope_open_sessions', 0):,.0f}  dead letters "
            f"{sum(v for k, v in m.items() if k.startswith('sessionscope_dead_letters_total')):,.0f} | last hour: "
            + " ".join(f"{k} {v:.0%}" for k, v in modes)
            + f" | verified success {rate.get('verified_success', 0):.0%}, at least partial "
            f"{rate.get('at_least_partial', 0):.0%}, troubled {rate.get('troubled', 0):.0%}")


async def _feed(settings: Settings, rate: float, stop: asyncio.Event) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap, linger_ms=20)
    await producer.start()
    seed = 0
    try:
        while not stop.is_set():
            now = time.time()
            n = max(1, int(rate * 2))
            sessions = generate(n, seed=seed, start=now - 120, span_s=115, end_probability=0.85)
            seed += 1
            for _, key, value in messages(sessions, batch_events=50):
                await producer.send(settings.topic_events, value, key=key.encode())
            await producer.flush()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), 2.0)
    finally:
        await producer.stop()


def run(args: argparse.Namespace) -> int:
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    broker = EmbeddedBroker(log_path=workdir / "broker.log").start()
    metrics_port = _port(int(os.environ.get("SESSIONSCOPE_METRICS_PORT", "9464")))
    env = {
        **os.environ,
        "SESSIONSCOPE_BROKER": broker.url,
        "SESSIONSCOPE_METRICS_PORT": str(metrics_port),
        "SESSIONSCOPE_DATA_DIR": str(workdir / "state"),
        # generated sessions are short; close the ones without an end event after 20 s of quiet
        "SESSIONSCOPE_INACTIVITY_GAP_S": os.environ.get("SESSIONSCOPE_INACTIVITY_GAP_S", "20"),
        "SESSIONSCOPE_CLOSE_GRACE_S": os.environ.get("SESSIONSCOPE_CLOSE_GRACE_S", "1"),
        "SESSIONSCOPE_LOG_LEVEL": os.environ.get("SESSIONSCOPE_LOG_LEVEL", "warning"),
    }
    settings = Settings(broker=broker.url)
    worker: subprocess.Popen[bytes] | None = None
    signal.signal(signal.SIGTERM, _interrupt)  # stopped by a supervisor, clean up as on Ctrl-C
    try:
        asyncio.run(create_topics(settings))
        log = open(workdir / "worker.log", "ab")  # noqa: SIM115 - lives as long as the worker
        worker = subprocess.Popen([sys.executable, "-m", "streams.cli", "worker"], env=env, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
        print(f"""
sessionscope demo
  broker     {broker.bootstrap} (embedded, in memory; log {workdir / 'broker.log'})
  metrics    http://127.0.0.1:{metrics_port}/metrics
  topics     in: {settings.topic_events}   out: {settings.topic_classified}, {settings.topic_stats}
             dead letters: {settings.topic_dlq}
  worker log {workdir / 'worker.log'}
Feeding about {args.sessions_per_second:g} generated sessions a second. Ctrl-C stops everything.
""", flush=True)
        asyncio.run(_watch(settings, args, metrics_port, worker))
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
    finally:
        stop_process_group(worker, timeout=20)
        broker.stop()
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


async def _watch(settings: Settings, args: argparse.Namespace, port: int, worker: subprocess.Popen[bytes]) -> None:
    stop = asyncio.Event()
    feeder = asyncio.create_task(_feed(settings, args.sessions_per_second, stop))
    started = time.time()
    try:
        while not args.duration or time.time() - started < args.duration:
            await asyncio.sleep(5)
            if worker.poll() is not None:
                raise SystemExit("the worker stopped; see its log")
            with contextlib.suppress(OSError):
                print(_summary(await asyncio.to_thread(_scrape, port), started), flush=True)
    finally:
        stop.set()
        await feeder
