"""Never commit past a message that was not acknowledged: the head of a partition included.

Faust commits the first run of consecutive acknowledged offsets of a partition. It checks that
the run starts where the last commit left off only when that commit is non-zero, and then allows
one missing offset. For a partition with nothing committed yet, a run starting anywhere was
committed: in a chaos run the first 10-17 closed records of three partitions were never
classified, and their offsets were committed with the rest. (Whatever left them unread, a
commit must not make it permanent.)

Here a partition commits only a run that starts at its committed offset, or at the start of the
log when nothing is committed (the group reads from the earliest offset). A run that starts
later means messages were read past without being acknowledged: the commit waits, and the
partition is read again from that offset. The replay is absorbed as duplicates.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from faust.transport.consumer import Consumer

from streams import metrics

log = logging.getLogger(__name__)
_MARK = "_sessionscope"
_FLOORS = "_sessionscope_floors"  # tp -> first offset of the log, for partitions with no commit
_REREAD = "_sessionscope_reread"  # tp -> monotonic time of the last re-read it started
REREAD_EVERY_S = 10.0
_seeks: set[asyncio.Future[None]] = set()  # a re-read takes a moment to arrive: do not start another meanwhile


def head(consumer: Any, tp: Any) -> int | None:
    """The offset a commit of tp must start from; None when not known yet."""
    committed = consumer._committed_offset[tp]
    if committed is not None:
        return int(committed)
    return getattr(consumer, _FLOORS, {}).get(tp)


def unacknowledged_head(consumer: Any, tp: Any, acked: list[int]) -> tuple[int, int] | None:
    """(first, last) offsets before the acknowledged ones that were never acknowledged, if any.
    Faust's gaps (offsets a compacted topic does not have) count as acknowledged."""
    start = head(consumer, tp)
    if start is None:
        return (0, min(acked) - 1)  # cannot tell yet: wait for the floor
    lowest = min(acked)
    if lowest <= start:
        return None
    gaps = consumer._gap.get(tp)
    missing = [o for o in range(start, min(lowest, start + 10_000)) if not (gaps and gaps.overlaps_point(o))]
    return (missing[0], lowest - 1) if missing else None


def apply() -> None:
    original_new_offset = Consumer._new_offset
    if getattr(original_new_offset, _MARK, False):
        return
    original_seek = Consumer.perform_seek

    def new_offset(self: Any, tp: Any) -> int | None:
        acked = self._acked[tp]
        if acked:
            hole = unacknowledged_head(self, tp, acked)
            if hole is not None:
                _read_again(self, tp, hole)
                return None
        result = original_new_offset(self, tp)
        return None if result is None else int(result)

    async def perform_seek(self: Any) -> None:
        await original_seek(self)
        uncommitted = [tp for tp in self.assignment() if self._committed_offset[tp] is None]
        floors = dict(await self.earliest_offsets(*uncommitted)) if uncommitted else {}
        setattr(self, _FLOORS, {tp: int(o) for tp, o in floors.items() if o is not None})

    setattr(new_offset, _MARK, True)
    Consumer._new_offset = new_offset  # type: ignore[method-assign]
    Consumer.perform_seek = perform_seek  # type: ignore[method-assign]


def _read_again(consumer: Any, tp: Any, hole: tuple[int, int]) -> None:
    start = head(consumer, tp)
    if start is None:
        return
    last = getattr(consumer, _REREAD, {})
    setattr(consumer, _REREAD, last)
    now = time.monotonic()
    if now - last.get(tp, float("-inf")) < REREAD_EVERY_S:
        return
    last[tp] = now
    log.warning("%s: offsets %d-%d were read past without being acknowledged; not committing past them, "
                "reading the partition again from %d", tp, hole[0], hole[1], start)
    metrics.OFFSET_REREADS.labels(topic=tp.topic).inc()
    task = asyncio.ensure_future(consumer.seek(tp, start))
    _seeks.add(task)  # held until done: the loop keeps only weak references to tasks
    task.add_done_callback(_seeks.discard)
