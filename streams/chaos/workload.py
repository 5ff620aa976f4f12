"""Generated sessions with known truth, delivered at least once and out of order."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import orjson
from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import murmur2

from models.decode import encode_batch
from models.generator import GeneratedSession, disorder, generate, messages

KV = tuple[bytes, bytes]


@dataclass
class Workload:
    sessions: list[GeneratedSession]
    messages: list[KV]
    duplicate_events: int  # injected by disorder(): what an idempotent consumer must ignore
    delivered_events: int  # events in every message sent, duplicates included

    @property
    def truth(self) -> dict[str, GeneratedSession]:
        return {s.session_id: s for s in self.sessions}


def build(n: int, *, seed: int, now: float, duplicate_rate: float = 0.05, reorder_rate: float = 0.1) -> Workload:
    # sessions of a few hours ago, so sentinels at `now` close the ones without a session_end
    sessions = generate(n, seed=seed, start=now - 4 * 3600, span_s=2 * 3600, end_probability=0.8)
    msgs, dups = disorder(list(messages(sessions, batch_events=20)), seed=seed,
                          duplicate_rate=duplicate_rate, reorder_rate=reorder_rate)
    kv = [(key.encode(), value) for _, key, value in msgs]
    delivered = sum(len(orjson.loads(v)["events"]) for _, v in kv)
    return Workload(sessions, kv, dups, delivered)


def sentinels(partitions: int, ts: float) -> list[KV]:
    """One short ended session per partition at ts: live traffic that moves every partition's event time on."""
    out: dict[int, KV] = {}
    i = 0
    while len(out) < partitions:
        sid = f"sentinel-{i}"
        p = (murmur2(sid.encode()) & 0x7FFFFFFF) % partitions
        if p not in out:
            events = [{"event_id": f"{sid}-p", "ts": ts, "type": "prompt", "text": "hello"},
                      {"event_id": f"{sid}-e", "ts": ts, "type": "session_end"}]
            out[p] = (sid.encode(), encode_batch(sid, events))
        i += 1
    return list(out.values())


async def _produce(bootstrap: str, topic: str, msgs: list[KV]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, max_request_size=8_000_000)
    await producer.start()
    try:
        futures = [await producer.send(topic, value, key=key) for key, value in msgs]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


def produce(bootstrap: str, topic: str, msgs: list[KV]) -> None:
    asyncio.run(_produce(bootstrap, topic, msgs))
