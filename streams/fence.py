"""Fencing of batches that a rebalance overtakes.

Without transactions (the local broker has none) a worker that finishes a batch after its
partitions were handed over would write older states to their changelogs after the new owner's,
and a later recovery would restore them. Its acknowledgements would be as harmful: Faust keeps
acknowledged offsets of a partition it no longer holds, and should the partition come back it
commits past them at once, before they are read again; a kill then loses those messages.

So each batch takes a claim when it starts: the ownership epoch of every partition (bumped each
time this worker gains the partition). A batch writes, and acknowledges, only partitions whose
epoch is unchanged once any rebalance that began meanwhile has finished. The rest is left to
whoever owns those partitions now, who reads them from the committed offset.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Claim:
    rebalances: int  # the app's rebalance count when the batch started
    epochs: dict[Any, int]  # topic partition -> ownership epoch when the batch started


class Ownership:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.owned: set[Any] = set()
        self.epochs: dict[Any, int] = {}
        self.assignments = 0

    def assigned(self, tps: Iterable[Any]) -> None:
        """Record a new assignment (from the partitions-assigned signal)."""
        tps = set(tps)
        for tp in tps - self.owned:
            self.epochs[tp] = self.epochs.get(tp, 0) + 1
        self.owned = tps
        self.assignments += 1

    def epoch_of(self, tp: Any) -> int | None:
        """The partition's ownership epoch, or None while this worker does not own it."""
        return self.epochs.get(tp) if tp in self.owned else None

    def stamp(self, tp: Any) -> tuple[int | None, int]:
        """What a message read now belongs to (streams/batching.py)."""
        return self.epoch_of(tp), self.assignments

    def fresh(self, tp: Any, stamp: tuple[int | None, int]) -> bool:
        """Whether a message stamped when read still belongs to the current ownership. Faust can
        deliver a newly assigned partition's messages before the assignment signal reaches us: a
        message read while the partition was not ours yet belongs to the next assignment."""
        epoch, assignments = stamp
        now = self.epoch_of(tp)
        if now is None:
            return False
        return now == epoch if epoch is not None else self.assignments == assignments + 1

    def claim(self) -> Claim:
        return Claim(int(self.app.rebalancing_count), dict(self.epochs))

    async def held(self, claim: Claim) -> set[Any] | None:
        """None if no rebalance began since the claim (all is still ours); else the topic
        partitions this worker has held without interruption since the claim."""
        if not self.app.rebalancing and self.app.rebalancing_count == claim.rebalances:
            return None
        while self.app.rebalancing:
            await asyncio.sleep(0.05)
        return {tp for tp in self.owned if tp in claim.epochs and self.epochs.get(tp) == claim.epochs[tp]}

    async def held_partitions(self, claim: Claim, topic: str) -> set[int] | None:
        held = await self.held(claim)
        return None if held is None else {tp.partition for tp in held if tp.topic == topic}
