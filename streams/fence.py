"""Fencing of batches that a rebalance overtakes.

Without transactions (the local broker has none) a worker that finishes a batch after its
partitions were handed over would write older states to their changelogs after the new owner's,
and a later recovery would restore them. So a batch notes the rebalance count when it starts;
if a rebalance began meanwhile, it waits for the rebalance to finish and writes only the
partitions it still owns. (It still acknowledges the whole batch: the new owner reads the
partitions it lost from their committed offsets, and not acknowledging would leave a gap that
Faust can commit past.)
"""

from __future__ import annotations

import asyncio
from typing import Any


def token(app: Any) -> int:
    return int(app.rebalancing_count)


async def still_owned(app: Any, started: int, topic: str) -> set[int] | None:
    """None if no rebalance began since `started`; else the partitions of `topic` owned now."""
    if not app.rebalancing and app.rebalancing_count == started:
        return None
    while app.rebalancing:
        await asyncio.sleep(0.05)
    return {tp.partition for tp in app.assignor.assigned_actives() if tp.topic == topic}
