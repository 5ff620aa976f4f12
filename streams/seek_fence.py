"""Records fetched before a partition is sought are not delivered after it.

Faust's fetch loop takes a batch of records from the client, then hands them to the streams one
by one, waiting for each. A seek can happen meanwhile: a rebalance's seek to the committed
offsets (Faust resumes the flow before it seeks), or a re-read (streams/commit_guard.py). Faust
then sets the partition's read position to the seek target, and the rest of the old batch still
comes through: its next record is past that target, so Faust records the offsets in between as
a gap (as if compaction had removed them), drops the records the new position then brings as
already read, and commits past them. Seen after a worker left the group: 44 messages of a
partition recorded as a gap and never handed to the agent (docs/reliability.md, rule 9).

Here each seek is numbered. A record of a fetch that started before a seek of its partition
ended is discarded, and the client is sought to the target again, so the records come again in
order from there. The discards are counted (sessionscope_prefetched_discarded_total).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiokafka.errors import IllegalStateError
from faust.transport.consumer import Consumer, ThreadDelegateConsumer

from streams import metrics

log = logging.getLogger(__name__)
_MARK = "_sessionscope"
_COUNTER = itertools.count(1)
_SEEKS = "_sessionscope_seeks"  # tp -> (number of its last seek, target offset)
_FETCH = "_sessionscope_fetch"  # the last seek number when the current fetch started


def _seeks(consumer: Any) -> dict[Any, tuple[int, int]]:
    seeks = getattr(consumer, _SEEKS, None)
    if seeks is None:
        seeks = {}
        setattr(consumer, _SEEKS, seeks)
    return seeks


def sought(consumer: Any, tp: Any, offset: int) -> None:
    """Note that tp was just sought to offset."""
    _seeks(consumer)[tp] = (next(_COUNTER), offset)


def stale_target(consumer: Any, tp: Any, fetch_mark: int) -> int | None:
    """The offset tp was sought to after a fetch (numbered fetch_mark) started; None if it was not."""
    seek = _seeks(consumer).get(tp)
    return seek[1] if seek is not None and seek[0] > fetch_mark else None


def current_mark() -> int:
    """A number every later seek exceeds."""
    return next(_COUNTER)


def apply() -> None:
    original_getmany = Consumer.getmany
    if getattr(original_getmany, _MARK, False):
        return
    original_wait = Consumer._wait_next_records
    original_seek = Consumer.seek
    original_to_committed = ThreadDelegateConsumer.seek_to_committed

    async def wait_next_records(self: Any, timeout: float) -> Any:
        setattr(self, _FETCH, current_mark())
        return await original_wait(self, timeout)

    async def getmany(self: Any, timeout: float) -> AsyncIterator[tuple[Any, Any]]:
        resought: set[Any] = set()
        async for tp, message in original_getmany(self, timeout):
            target = stale_target(self, tp, getattr(self, _FETCH, 0))
            if target is None:
                yield tp, message
                continue
            metrics.PREFETCHED_DISCARDED.labels(topic=tp.topic).inc()
            if tp not in resought:  # the client may have moved on past the target with this fetch
                resought.add(tp)
                log.info("%s: records fetched before a seek to %d are discarded and read again from there",
                         tp, target)
                try:
                    await self._seek(tp, target)
                except IllegalStateError:  # no longer assigned: its next owner reads it from the committed offset
                    log.info("%s: not assigned any more; not sought again", tp)

    async def seek(self: Any, partition: Any, offset: int) -> None:
        await original_seek(self, partition, offset)
        sought(self, partition, offset)

    async def seek_to_committed(self: Any) -> Any:
        committed = await original_to_committed(self)
        for tp, offset in committed.items():
            if offset is not None and offset >= 0:
                sought(self, tp, offset)
        return committed

    for fn in (wait_next_records, getmany, seek, seek_to_committed):
        setattr(fn, _MARK, True)
    Consumer._wait_next_records = wait_next_records  # type: ignore[method-assign]
    Consumer.getmany = getmany  # type: ignore[method-assign]
    Consumer.seek = seek  # type: ignore[method-assign]
    ThreadDelegateConsumer.seek_to_committed = seek_to_committed  # type: ignore[method-assign]
