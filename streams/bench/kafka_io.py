"""Kafka clients of the benchmark: a fast producer, the raw-consumer ceiling, and a watcher of
sessions-classified that notes when each session's record became visible."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from streams.bench.load import Msg


def _consumer(bootstrap: str, *topics: str) -> AIOKafkaConsumer:
    # fetch_max_wait_ms low: a watcher must see a record as soon as it lands, not up to 500 ms later
    return AIOKafkaConsumer(*topics, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                            enable_auto_commit=False, group_id=None, fetch_max_wait_ms=20,
                            max_partition_fetch_bytes=8 << 20)


class Producer:
    def __init__(self, bootstrap: str) -> None:
        self._p = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=2, max_batch_size=1 << 20,
                                   max_request_size=8_000_000)

    async def __aenter__(self) -> Producer:
        await self._p.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._p.stop()

    async def send_all(self, topic: str, msgs: Iterable[Msg]) -> int:
        pending, n = [], 0
        for key, value in msgs:
            pending.append(await self._p.send(topic, value, key=key))
            n += 1
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending = []
        await asyncio.gather(*pending)
        return n

    async def send_one(self, topic: str, msg: Msg) -> None:
        await self._p.send_and_wait(topic, msg[1], key=msg[0])


async def ceiling(bootstrap: str, topic: str, events: int, timeout: float = 300) -> tuple[float, int]:
    """Events/s of a bare consumer (getmany) that reads the topic and decodes every message with orjson."""
    consumer = _consumer(bootstrap, topic)
    await consumer.start()
    seen = 0
    try:
        t0 = time.perf_counter()
        deadline = t0 + timeout
        while seen < events and time.perf_counter() < deadline:
            for batch in (await consumer.getmany(timeout_ms=200, max_records=10_000)).values():
                for msg in batch:
                    doc = orjson.loads(msg.value)
                    seen += len(doc["events"]) if "events" in doc else 1
        return seen / (time.perf_counter() - t0), seen
    finally:
        await consumer.stop()


class Watcher:
    """Reads sessions-classified from the start in the background: first sight of each key (wall time)."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.consumer = _consumer(bootstrap, topic)
        self.seen: dict[str, float] = {}
        self.changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> Watcher:
        await self.consumer.start()
        self._task = asyncio.create_task(self._run())
        return self

    async def _run(self) -> None:
        while True:
            got = await self.consumer.getmany(timeout_ms=100)
            now = time.time()
            for batch in got.values():
                for msg in batch:
                    self.seen.setdefault(msg.key.decode(), now)
            if got:
                self.changed.set()

    async def wait_for(self, keys: set[str] | frozenset[str], timeout: float) -> float:
        """Wall time at which the last of keys was seen."""
        deadline = time.monotonic() + timeout
        while not keys.issubset(self.seen.keys()):
            self.changed.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                missing = len(keys - self.seen.keys())
                raise TimeoutError(f"{missing} of {len(keys)} sessions not classified after {timeout:.0f}s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), min(left, 1.0))
        return max(self.seen[k] for k in keys)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.consumer.stop()


async def changelog_sizes(bootstrap: str, topic: str, prefix: str, expect: int, timeout: float = 120) -> list[int]:
    """Size of the latest changelog record of each key starting with prefix (what recovery replays)."""
    consumer = _consumer(bootstrap, topic)
    await consumer.start()
    sizes: dict[str, int] = {}
    deadline = time.monotonic() + timeout
    try:
        # each open session is one message, so one write: its first record is also its latest
        while len(sizes) < expect and time.monotonic() < deadline:
            got = await consumer.getmany(timeout_ms=200, max_records=10_000)
            for batch in got.values():
                for msg in batch:
                    key = msg.key.decode()
                    if key.startswith(prefix) and msg.value is not None:
                        sizes[key] = len(msg.value)
        return list(sizes.values())
    finally:
        await consumer.stop()
