"""streams.batching: every event once, in order, in bounded batches; stale events dropped."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from streams.batching import batches
from streams.fence import Ownership


@dataclass(frozen=True)
class Msg:
    tp: str
    offset: int


@dataclass(frozen=True)
class Ev:
    message: Msg


async def _source(n: int, tps: tuple[str, ...] = ("p0", "p1")):
    for i in range(n):
        await asyncio.sleep(0)  # hand control to the consumer, as a fetch would
        yield Ev(Msg(tps[i % len(tps)], i))


def _owning(*tps: str) -> Ownership:
    ownership = Ownership(app=None)
    ownership.assigned(tps)
    return ownership


async def _collect(source, *, max_=7, within=0.05, ownership=None, work=0):
    ownership = ownership or _owning("p0", "p1")
    out = []
    async for batch in batches(source, max_=max_, within=within, stamp=ownership.stamp, fresh=ownership.fresh):
        assert 1 <= len(batch) <= max_
        out.append(batch)
        for _ in range(work):  # the agent works on the batch while more events arrive
            await asyncio.sleep(0)
    return out


def test_every_event_once_in_order_while_the_agent_is_busy():
    # Faust's take buffers lost events that arrived while the previous batch was processed
    got = asyncio.run(_collect(_source(1000), work=40))
    offsets = [e.message.offset for b in got for e in b]
    assert offsets == list(range(1000))
    assert len(got) > 1000 // 7 - 1  # batched, not one by one


def test_a_partial_batch_goes_out_after_within():
    async def trickle():
        yield Ev(Msg("p0", 0))
        yield Ev(Msg("p0", 1))
        await asyncio.Event().wait()  # nothing more arrives

    async def first_batch():
        ownership = _owning("p0")
        gen = batches(trickle(), max_=100, within=0.05, stamp=ownership.stamp, fresh=ownership.fresh)
        batch = await asyncio.wait_for(gen.__anext__(), 5)
        await gen.aclose()
        return batch

    assert [e.message.offset for e in asyncio.run(first_batch())] == [0, 1]


def test_events_read_before_the_partition_changed_hands_are_dropped():
    ownership = _owning("p0", "p1")

    async def source():
        for i in range(10):
            yield Ev(Msg("p0" if i % 2 else "p1", i))
        ownership.assigned({"p2"})  # p0 and p1 moved to another worker...
        ownership.assigned({"p1", "p2"})  # ...and p1 came back: Faust reads it again from the commit
        for i in range(10, 12):
            yield Ev(Msg("p1", i))

    got = asyncio.run(_collect(source(), max_=100, ownership=ownership))
    assert [e.message.offset for b in got for e in b] == [10, 11]


def test_events_delivered_before_the_assignment_signal_are_kept():
    ownership = Ownership(app=None)  # Faust may deliver before the signal reaches the worker

    async def source():
        yield Ev(Msg("p0", 0))
        ownership.assigned({"p0"})
        yield Ev(Msg("p0", 1))

    got = asyncio.run(_collect(source(), max_=100, ownership=ownership))
    assert [e.message.offset for b in got for e in b] == [0, 1]


def test_an_error_of_the_stream_reaches_the_agent():
    async def broken():
        yield Ev(Msg("p0", 0))
        raise RuntimeError("fetch failed")

    with pytest.raises(RuntimeError, match="fetch failed"):
        asyncio.run(_collect(broken()))


@pytest.mark.parametrize("seed", range(3))
def test_no_event_lost_or_stuck_when_arrivals_race_the_batch_deadline(seed):
    # arrivals spaced around the batch window, so the wait for the next event is often cut off
    # by the deadline just as an event lands: each must still come out once, in order, promptly
    import random

    rnd = random.Random(seed)
    gaps = [rnd.choice((0, 0, 0.001, 0.002, 0.003, 0.004)) for _ in range(400)]

    async def source():
        for i, gap in enumerate(gaps):
            await asyncio.sleep(gap)
            yield Ev(Msg("p0", i))

    async def run():
        return await asyncio.wait_for(_collect(source(), max_=5, within=0.003, ownership=_owning("p0"), work=2), 30)

    got = asyncio.run(run())
    assert [e.message.offset for b in got for e in b] == list(range(400))


def test_a_stream_that_is_cancelled_from_inside_does_not_leave_the_agent_waiting():
    # Faust may end a stream's iteration with CancelledError without cancelling the agent
    async def cancelled():
        yield Ev(Msg("p0", 0))
        raise asyncio.CancelledError

    async def run():
        return await asyncio.wait_for(_collect(cancelled(), max_=100, within=0.01, ownership=_owning("p0")), 5)

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(run())
