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


async def batches(events: AsyncIterable[Any], *, max_: int, within: float, stamp: Callable[[Any], Any],
                  fresh: Callable[[Any, Any], bool]) -> AsyncIterator[list[Any]]:
    """Yield lists of events. `stamp(tp)` notes the partition's ownership when an event is read;
    `fresh(tp, stamp)` says whether the event still belongs to the current ownership."""
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=max_)

    async def pump() -> None:
        async for event in events:
            await queue.put((event, stamp(event.message.tp)))
        await queue.put(_END)

    reader = asyncio.ensure_future(pump())
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
                item = await _next(queue, reader, deadline - loop.time())
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


async def _next(queue: asyncio.Queue[Any], reader: asyncio.Future[None], timeout: float | None) -> Any:
    """The next queued item; None when the timeout passes; _END when the events end. An error
    of the reading task is raised here, so the agent sees it."""
    if not queue.empty():
        return queue.get_nowait()
    if timeout is not None and timeout <= 0:
        return None
    getter = asyncio.ensure_future(queue.get())
    done, _ = await asyncio.wait({getter, reader}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    if getter in done:
        return getter.result()
    getter.cancel()
    if reader in done:
        reader.result()  # raises the reader's error, if any
        return _END if queue.empty() else queue.get_nowait()
    return None
