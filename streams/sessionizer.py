"""The sessionize agent: events in, one incremental aggregate per session, closed sessions out.

Per batch of messages: decode, fold each session's events into its state (one table write per
session per batch), close the sessions that ended, and on a tick message scan the partition for
sessions idle past the inactivity gap. Closed sessions stay in the table for
``closed_retention_s`` of event time, so a late event reopens the session (it is closed and
classified again with rev + 1) and a duplicate is recognised and ignored.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiokafka.partitioner import murmur2

from models.closing import PartitionClock, due_to_close
from models.decode import Rejection, decode_message
from models.events import Event
from models.session import SessionState, apply, new_session
from streams import metrics
from streams.app import Pipeline
from streams.table_io import delete, put

log = logging.getLogger(__name__)
TICK_HEADER = "sessionscope-tick"


def _headers(message: Any) -> dict[str, bytes]:
    raw = message.headers or {}
    return dict(raw.items() if isinstance(raw, dict) else raw)


@dataclass(slots=True)
class _Seen:
    last_ts: float
    last_receipt: float
    ended: bool


@dataclass
class Sessionizer:
    pipeline: Pipeline
    clocks: dict[int, PartitionClock] = field(default_factory=lambda: defaultdict(PartitionClock))
    # open sessions per partition, so a tick scans only what may close
    open_index: dict[int, dict[str, _Seen]] = field(default_factory=dict)
    closed_index: dict[int, dict[str, float]] = field(default_factory=dict)

    @property
    def settings(self) -> Any:
        return self.pipeline.settings

    # -- the agent's body -------------------------------------------------------------------
    async def process(self, batch: list[Any]) -> None:
        wall = time.time()
        table = self.pipeline.tables.sessions
        by_session: dict[str, list[Event]] = {}
        where: dict[str, tuple[int, int]] = {}  # session -> (partition, highest offset)
        ticks: set[int] = set()
        for event in batch:
            msg = event.message
            if TICK_HEADER in _headers(msg):
                ticks.add(msg.partition)
                continue
            metrics.MESSAGES.labels(topic="events").inc()
            await self._decode_into(msg, wall, by_session, where)

        dirty: dict[str, int] = {}
        for session_id, events in by_session.items():
            partition, offset = where[session_id]
            self._ensure_index(partition)
            state = table.data.get(session_id)
            if state is None:
                state = new_session(session_id, turn_chars=self.settings.turn_chars,
                                    session_chars=self.settings.session_chars,
                                    text_policy=self.settings.transcript_text)
            elif offset <= state.last_offset:  # a replayed message already in the state
                metrics.DUPLICATE_EVENTS.inc(len(events))
                continue
            if self._fold(state, events, partition, wall):
                dirty[session_id] = partition
            state.last_offset = offset
            if state.status == "open" and state.ended:
                await self._close(state, "end_event", wall)
        for partition in ticks:
            self._ensure_index(partition)
            await self._sweep(partition, wall, dirty)
        for session_id, partition in dirty.items():
            if session_id in table.data:
                put(table, partition, session_id, table.data[session_id])
        metrics.OPEN_SESSIONS.set(sum(len(v) for v in self.open_index.values()))

    async def _decode_into(self, msg: Any, wall: float, by_session: dict[str, list[Event]],
                           where: dict[str, tuple[int, int]]) -> None:
        s = self.settings
        decoded = decode_message(msg.value, now=wall, max_bytes=s.max_message_bytes, max_future_s=s.max_future_skew_s)
        source = f"{msg.topic}/{msg.partition}@{msg.offset}"
        for rejection in decoded.rejections:
            await self.pipeline.dead_letters.send("decode", rejection, key=msg.key, source=source)
        key = msg.key.decode("utf-8", "replace") if isinstance(msg.key, bytes) else msg.key
        for ev in decoded.events:
            if key is not None and ev.session_id != key:
                # a session split over partitions would be closed twice: producers must key by session
                await self.pipeline.dead_letters.send("decode", Rejection(
                    "wrong_key", f"message key {key!r} is not the event's session_id {ev.session_id!r}; "
                    "key messages by session_id", orjson.dumps(ev.model_dump(mode="json"))), key=msg.key, source=source)
                continue
            by_session.setdefault(ev.session_id, []).append(ev)
            prev = where.get(ev.session_id)
            where[ev.session_id] = (msg.partition, max(msg.offset, prev[1] if prev else -1))

    def _fold(self, state: SessionState, events: list[Event], partition: int, wall: float) -> bool:
        applied = 0
        was_closed = state.status == "closed"
        for ev in events:
            if apply(state, ev):
                applied += 1
                metrics.EVENTS.labels(type=ev.type.value).inc()
        metrics.DUPLICATE_EVENTS.inc(len(events) - applied)
        if not applied:
            return False
        self.pipeline.tables.sessions.data[state.session_id] = state
        self.clocks[partition].observe(state.last_ts, wall)
        if was_closed:
            # a late event: reopen, close again after the gap, re-classify with rev + 1
            metrics.LATE_EVENTS.inc(applied)
            metrics.SESSIONS_REOPENED.inc()
            state.status = "open"
            self.closed_index.get(partition, {}).pop(state.session_id, None)
        self.open_index[partition][state.session_id] = _Seen(state.last_ts, wall, state.ended)
        return True

    async def _close(self, state: SessionState, reason: str, wall: float) -> None:
        state.status = "closed"
        state.rev += 1
        partition = self._partition_of(state.session_id)
        self.open_index.get(partition, {}).pop(state.session_id, None)
        self.closed_index.setdefault(partition, {})[state.session_id] = state.last_ts
        record = {"close_reason": reason, "closed_at": wall, "session": state.to_dict(with_ids=False)}
        await self.pipeline.topics.closed.send(key=state.session_id.encode(), value=orjson.dumps(record))
        metrics.SESSIONS_CLOSED.labels(reason=reason).inc()

    async def _sweep(self, partition: int, wall: float, dirty: dict[str, int]) -> None:
        s = self.settings
        table = self.pipeline.tables.sessions
        watermark = self.clocks[partition].watermark(wall)
        for session_id, seen in list(self.open_index[partition].items()):
            reason = due_to_close(ended=seen.ended, last_ts=seen.last_ts, last_receipt=seen.last_receipt,
                                  watermark=watermark, wall=wall, gap_s=s.inactivity_gap_s, grace_s=s.close_grace_s)
            state = table.data.get(session_id)
            if reason and state is not None:
                await self._close(state, reason, wall)
                dirty[session_id] = partition
        expired = [sid for sid, last in self.closed_index.get(partition, {}).items()
                   if last + s.closed_retention_s < watermark]
        for session_id in expired:
            self.closed_index[partition].pop(session_id, None)
            dirty.pop(session_id, None)
            delete(table, partition, session_id)

    # -- partition bookkeeping --------------------------------------------------------------
    def _partition_of(self, session_id: str) -> int:
        # the default Kafka partitioner, which every producer keying by session id uses
        return (murmur2(session_id.encode()) & 0x7FFFFFFF) % self.settings.partitions

    def _ensure_index(self, partition: int) -> None:
        """Rebuild a partition's indexes from the table after recovery or a rebalance."""
        if partition in self.open_index:
            return
        opened: dict[str, _Seen] = {}
        closed: dict[str, float] = {}
        clock = self.clocks[partition]
        for session_id, state in list(self.pipeline.tables.sessions.data.items()):
            if state is None or self._partition_of(session_id) != partition:
                continue
            clock.max_ts = max(clock.max_ts, state.last_ts)
            if state.status == "open":
                opened[session_id] = _Seen(state.last_ts, 0.0, state.ended)
            else:
                closed[session_id] = state.last_ts
        clock.last_wall = clock.last_wall or time.time()
        self.open_index[partition] = opened
        self.closed_index[partition] = closed

    def forget(self, partitions: set[int]) -> None:
        """Drop what we hold for partitions this worker no longer owns."""
        table = self.pipeline.tables.sessions
        for p in partitions:
            for index in (self.open_index, self.closed_index):
                for session_id in index.pop(p, {}):
                    table.data.pop(session_id, None)
            self.clocks.pop(p, None)
