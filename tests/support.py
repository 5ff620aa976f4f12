"""Test harness: real worker processes, Kafka produce/consume helpers, /metrics scraping."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from prometheus_client.parser import text_string_to_metric_families

from streams.broker import free_port
from streams.process_group import stop_process_group

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def shared_data() -> Path:
    """The shared real-session data, used by path and never copied into the project."""
    path = SHARED / "data"
    assert path.is_dir(), f"shared data not found at {path}"
    return path


def wait_until(predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample on /metrics as {(name, sorted labels): value}."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def metric(samples: dict, name: str, **labels: str) -> float:
    """Sum of the samples of `name` whose labels include `labels`."""
    return sum(v for (n, ls), v in samples.items() if n == name and all((k, x) in ls for k, x in labels.items()))


@dataclass
class WorkerProcess:
    """`sessionscope worker` in its own process, configured through the environment."""

    broker_url: str
    workdir: Path
    env_extra: dict[str, str] = field(default_factory=dict)
    metrics_port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    def env(self) -> dict[str, str]:
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith("SESSIONSCOPE_")},
            "SESSIONSCOPE_BROKER": self.broker_url,
            "SESSIONSCOPE_METRICS_PORT": str(self.metrics_port),
            "SESSIONSCOPE_DATA_DIR": str(self.workdir / "state"),
            "SESSIONSCOPE_LOG_LEVEL": "warning",
            **self.env_extra,
        }

    def start(self, ready_timeout: float = 60) -> WorkerProcess:
        self.metrics_port = self.metrics_port or free_port()
        self.log_path = self.workdir / f"worker-{self.metrics_port}.log"
        log = open(self.log_path, "ab")  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streams.cli", "worker"], cwd=ROOT, env=self.env(),
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        wait_until(self._ready, ready_timeout, f"worker ready (log {self.log_path})", 0.2)
        return self

    def _ready(self) -> bool:
        assert self.process and self.process.poll() is None, f"worker exited; log:\n{self.log()}"
        try:
            return metric(scrape(self.metrics_port), "sessionscope_worker_ready") == 1
        except OSError:
            return False

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def metrics(self) -> dict:
        return scrape(self.metrics_port)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:] if self.log_path and self.log_path.exists() else ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
        # a worker can ignore SIGTERM when the broker died first: then it is SIGKILLed after timeout
        stop_process_group(self.process, sig, timeout, kill_timeout=10)

    def kill(self) -> None:
        self.stop(signal.SIGKILL)


async def produce(bootstrap: str, topic: str, messages: Iterable[tuple[bytes | None, bytes]],
                  headers: list[tuple[str, bytes]] | None = None) -> int:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, max_request_size=8_000_000)
    await producer.start()
    n = 0
    try:
        batch = []
        for key, value in messages:
            batch.append(await producer.send(topic, value, key=key, headers=headers))
            n += 1
            if len(batch) >= 2000:
                await asyncio.gather(*batch)
                batch = []
        await asyncio.gather(*batch)
    finally:
        await producer.stop()
    return n


def produce_sync(bootstrap: str, topic: str, messages: Iterable[tuple[bytes | None, bytes]]) -> int:
    return asyncio.run(produce(bootstrap, topic, messages))


async def consume(bootstrap: str, topic: str, *, until: Callable[[list[Any]], bool], timeout: float) -> list[Any]:
    """Read a topic from the start until `until(records)` holds or the timeout passes."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                enable_auto_commit=False, group_id=None)
    await consumer.start()
    records: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            got = await consumer.getmany(timeout_ms=500)
            for msgs in got.values():
                records.extend(msgs)
            if until(records):
                return records
    finally:
        await consumer.stop()
    raise AssertionError(f"timed out after {timeout}s reading {topic}: {len(records)} records")


def consume_sync(bootstrap: str, topic: str, *, until: Callable[[list[Any]], bool], timeout: float) -> list[Any]:
    return asyncio.run(consume(bootstrap, topic, until=until, timeout=timeout))

