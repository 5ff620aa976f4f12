"""Records fetched before a seek of their partition are not delivered after it (Faust's real
consumer object and fetch loop code; the client's fetch is replaced, no broker is contacted)."""

from __future__ import annotations

import asyncio
from typing import Any

import faust
import pytest
from aiokafka.errors import IllegalStateError
from aiokafka.structs import ConsumerRecord
from faust.types import TP

from streams import metrics, seek_fence

EVENTS = TP("events", 0)
OTHER = TP("events", 1)


def _record(tp: TP, offset: int) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(tp.topic, tp.partition, offset, 0, 0, b"k", b"v", None, 1, 1, ())


@pytest.fixture
def consumer() -> Any:
    seek_fence.apply()
    app = faust.App("seek-fence-check", broker="kafka://127.0.0.1:1")
    c: Any = app.consumer
    c.client_seeks = []
    c.fetches = []

    async def fetch(active_partitions: Any, timeout: float) -> dict[TP, list[Any]]:
        return c.fetches.pop(0)

    async def client_seek(tp: TP, offset: int) -> None:  # what the client is asked to do
        c.client_seeks.append((tp, offset))

    async def committed() -> dict[TP, int]:
        return {EVENTS: 40, OTHER: 7}

    c._getmany = fetch
    c._seek = client_seek
    c._thread.seek_to_committed = committed
    c._active_partitions = {EVENTS, OTHER}
    c.highwater = lambda tp: 1000
    c.assignment = lambda: {EVENTS, OTHER}  # for the commit guard's seek, when another test applied it
    return c


def _drain(c: Any, during: Any = None) -> list[tuple[int, int]]:
    """Offsets delivered from one fetch; `during` runs after the first delivered record."""
    async def run() -> list[tuple[int, int]]:
        out = []
        async for tp, message in c.getmany(timeout=0.1):
            out.append((tp.partition, message.offset))
            if during is not None and len(out) == 1:
                await during()
        return out

    return asyncio.run(run())


def test_records_of_a_fetch_before_a_seek_are_discarded_and_the_client_sought_again(consumer: Any) -> None:
    consumer.fetches.append({EVENTS: [_record(EVENTS, o) for o in range(200, 205)]})
    before = metrics.PREFETCHED_DISCARDED.labels(topic="events")._value.get()

    delivered = _drain(consumer, during=lambda: consumer.seek(EVENTS, 170))

    # Faust alone delivers 201-204 after the seek: offsets 171-200 become a "gap" and are committed unread
    assert delivered == [(0, 200)]
    assert consumer._read_offset[EVENTS] == 170
    assert consumer.client_seeks == [(EVENTS, 170), (EVENTS, 170)]  # the seek, then again after the discard
    assert metrics.PREFETCHED_DISCARDED.labels(topic="events")._value.get() - before == 4


def test_a_rebalance_seek_to_committed_fences_every_partition_it_moved(consumer: Any) -> None:
    consumer.fetches.append({EVENTS: [_record(EVENTS, o) for o in range(90, 93)],
                             OTHER: [_record(OTHER, o) for o in range(12, 15)]})

    delivered = _drain(consumer, during=consumer.perform_seek)

    assert len(delivered) == 1  # whichever came first; nothing of either partition after the seek
    assert consumer._read_offset[EVENTS] == 40 and consumer._read_offset[OTHER] == 7
    assert sorted(consumer.client_seeks) == [(EVENTS, 40), (OTHER, 7)]


def test_a_fetch_after_the_seek_is_delivered_whole(consumer: Any) -> None:
    consumer.fetches.append({EVENTS: [_record(EVENTS, 200)]})
    _drain(consumer, during=lambda: consumer.seek(EVENTS, 170))
    consumer.fetches.append({EVENTS: [_record(EVENTS, o) for o in range(170, 175)]})

    assert _drain(consumer) == [(0, o) for o in range(170, 175)]


def test_a_partition_revoked_meanwhile_is_discarded_without_a_seek(consumer: Any) -> None:
    consumer.fetches.append({EVENTS: [_record(EVENTS, o) for o in range(200, 205)]})

    async def revoke_then_seek() -> None:
        await consumer.seek(EVENTS, 170)

        async def unassigned(tp: TP, offset: int) -> None:
            raise IllegalStateError(f"No current assignment for partition {tp}")

        consumer._seek = unassigned

    assert _drain(consumer, during=revoke_then_seek) == [(0, 200)]  # no error reaches the fetch loop
