"""Batches of stream events, taken without Faust's take buffers.

Faust's take/noack_take let a message that arrives while the previous batch is being processed
be appended to the buffer that is cleared when that batch is done: the message is never seen
by the agent, and its offset is committed with its neighbours'. Measured here as a few messages
per partition skipped right after a worker starts under load, which lost or under-counted those
sessions. This module reads events in a helper task into a bounded queue and hands them out in
batches of at most `max_` events, waiting at most `within` seconds for a batch to fill.

Events read before a rebalance are dropped when the partition's ownership changed meanwhile,
as Faust drops its own queued messages on a rebalance: the partition's owner reads them again
from the committed offset, in order (and a commit never skips them: streams/commit_guard.py).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterable, AsyncIterator, Callable
from typing import Any

_END = object()
_STOPPED = object()  # queued when the reading task finishes, for whatever reason


async def batches(events: AsyncIterable[Any], *, max_: int, within: float, stamp: Callable[[Any], Any],
                  fresh: Callable[[Any, Any], bool]) -> AsyncIterator[list[Any]]:
    """Yield lists of events. `stamp(tp)` notes the partition's ownership when an event is read;
    `fresh(tp, stamp)` says whether the event still belongs to the current ownership."""
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=max_)

    async def pump() -> None:
        async for event in events:
            await queue.put((event, stamp(event.message.tp)))

    reader = asyncio.ensure_future(pump())
    reader.add_done_callback(lambda _: _offer(queue, _STOPPED))
    loop = asyncio.get_running_loop()
    try:
        ended = False
        while not ended:
            first = await _next(queue, reader, None)
            if first is _END:
                break
            batch = [first]
            deadline = loop.time() + within
            while len(batch) < max_:
                item = await _next(queue, reader, deadline)
                if item is None:
                    break
                if item is _END:
                    ended = True
                    break
                batch.append(item)
            kept = [event for event, noted in batch if fresh(event.message.tp, noted)]
            if kept:
                yield kept
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader


async def _next(queue: asyncio.Queue[Any], reader: asyncio.Future[None], deadline: float | None) -> Any:
    """The next queued item; None once the deadline (loop time) passes; _END when the events end.
    An error of the reading task is raised here, after the events it read, so the agent sees it.

    Called once per event: a queued item is taken without suspending, and a wait uses a timeout
    scope, not a task per wait (asyncio.wait cost ~10% of a worker at one event per message)."""
    if not queue.empty():
        item = queue.get_nowait()
    elif reader.done():  # its marker was dropped because the queue was full then
        item = _STOPPED
    elif deadline is None:
        item = await queue.get()
    else:
        if asyncio.get_running_loop().time() >= deadline:
            return None
        try:
            async with asyncio.timeout_at(deadline):
                item = await queue.get()
        except TimeoutError:
            return None
    if item is _STOPPED:
        reader.result()  # raises the reader's error (or its cancellation)
        return _END
    return item


def _offer(queue: asyncio.Queue[Any], item: Any) -> None:
    with contextlib.suppress(asyncio.QueueFull):
        queue.put_nowait(item)
