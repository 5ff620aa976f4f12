"""When a session closes: on its session_end event, or after the inactivity gap in event time.

Event time on a partition advances with the events it receives. A partition that receives
nothing would never close its sessions, so while it is idle its event time is taken to advance
with the wall clock (as stream processors do for idle sources): a live session then closes one
gap after its last event whether or not other traffic arrives.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class PartitionClock:
    max_ts: float = float("-inf")  # highest event time seen on the partition
    last_wall: float = 0.0  # wall time of the last event received

    def observe(self, ts: float, wall: float) -> None:
        if ts > self.max_ts:
            self.max_ts = ts
        self.last_wall = wall

    def watermark(self, wall: float) -> float:
        return self.max_ts + max(0.0, wall - self.last_wall)


def due_to_close(
    *, ended: bool, last_ts: float, last_receipt: float, watermark: float, wall: float, gap_s: float, grace_s: float
) -> str | None:
    """The close reason ('end_event' or 'inactivity') if the session is due, else None.

    ``grace_s`` of wall-clock quiet is also required before an inactivity close, so a backfill
    whose batches arrive behind the partition's event time is not closed between two batches.
    """
    if ended:
        return "end_event"
    if last_ts + gap_s <= watermark and wall - last_receipt >= grace_s:
        return "inactivity"
    return None
