"""The sessionize agent: events in, one incremental aggregate per session, closed sessions out.

Per batch of messages: decode, fold each session's events into its state (one table write per
session per batch), close the sessions that ended, and on a tick message scan the partition for
sessions idle past the inactivity gap. Closed sessions stay in the table for
``closed_retention_s`` of event time, so a late event reopens the session (it is closed and
classified again with rev + 1) and a duplicate is recognised and ignored.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import orjson
from aiokafka.partitioner import murmur2
from faust.stores.memory import Store as MemoryStore

from models.closing import PartitionClock, due_to_close
from models.decode import Rejection, decode_message
from models.events import Event
from models.session import SessionState, apply, new_session
from streams import metrics
from streams.app import Pipeline
from streams.fence import Claim
from streams.table_io import delete, get, put

log = logging.getLogger(__name__)
TICK_HEADER = "sessionscope-tick"


def _headers(message: Any) -> dict[str, bytes]:
    raw = message.headers or {}
    return dict(raw.items() if isinstance(raw, dict) else raw)


_MESSAGES = metrics.MESSAGES.labels(topic="events")


@lru_cache(maxsize=64)
def _events_counter(event_type: str) -> Any:
    """The labelled child of the events counter (a .labels() lookup per event cost ~3% of the worker)."""
    return metrics.EVENTS.labels(type=str(event_type))


@dataclass(slots=True)
class _Seen:
    last_ts: float
    last_receipt: float
    ended: bool


@dataclass(slots=True)
class _Touched:
    """A session changed in this batch, with an event of its partition to write it under."""

    state: SessionState
    anchor: Any


@dataclass
class Sessionizer:
    pipeline: Pipeline
    clocks: dict[int, PartitionClock] = field(default_factory=lambda: defaultdict(PartitionClock))
    # open sessions per partition, so a tick scans only what may close
    open_index: dict[int, dict[str, _Seen]] = field(default_factory=dict)
    # closed sessions kept for late events: session -> (last event time, wall time it closed)
    closed_index: dict[int, dict[str, tuple[float, float]]] = field(default_factory=dict)

    @property
    def settings(self) -> Any:
        return self.pipeline.settings

    # -- the agent's body -------------------------------------------------------------------
    async def process(self, batch: list[Any], claim: Claim) -> None:
        wall = time.time()
        by_session: dict[str, list[Event]] = {}
        where: dict[str, tuple[int, int]] = {}  # session -> (partition, highest offset)
        anchors: dict[int, Any] = {}  # partition -> an event of it, for table access
        ticks: set[int] = set()
        consumed = 0
        for event in batch:
            msg = event.message
            anchors.setdefault(msg.partition, event)
            if msg.headers and TICK_HEADER in _headers(msg):
                ticks.add(msg.partition)
                continue
            consumed += 1
            await self._decode_into(msg, wall, by_session, where)
        if consumed:
            _MESSAGES.inc(consumed)

        touched: dict[str, _Touched] = {}
        closing: list[tuple[SessionState, str]] = []
        applied: dict[str, int] = {}  # event type -> count, one metric update per type per batch
        for session_id, events in by_session.items():
            partition, offset = where[session_id]
            anchor = anchors[partition]
            self._ensure_index(partition, anchor)
            stored = get(self.table, anchor, session_id)
            # change a copy: if a rebalance overtakes the batch, the stored state must be untouched
            state = stored.clone() if stored is not None else None
            if state is None:
                state = new_session(session_id, turn_chars=self.settings.turn_chars,
                                    session_chars=self.settings.session_chars,
                                    text_policy=self.settings.transcript_text)
            elif offset <= state.last_offset and state.ids_overflow:
                # a replay the event ids can no longer tell (past MAX_IDS of them); below that the
                # ids decide, so a stretch read again out of order (streams/commit_guard.py) counts
                metrics.DUPLICATE_EVENTS.inc(len(events))
                continue
            if self._fold(state, events, partition, wall, applied):
                state.last_offset = max(state.last_offset, offset)
                touched[session_id] = _Touched(state, anchor)
                if state.status == "open" and state.ended:
                    closing.append((state, "end_event"))
        for type_, count in applied.items():
            _events_counter(type_).inc(count)
        for partition in ticks:
            self._ensure_index(partition, anchors[partition])
            self._sweep(partition, anchors[partition], wall, touched, closing)
        ownership, topic = self.pipeline.ownership, self.settings.topic_events
        held = await ownership.held_partitions(claim, topic)
        if held is not None:  # a rebalance overtook the batch: close only what is still ours
            closing = [(st, r) for st, r in closing if self._partition_of(st.session_id) in held]
        await self._close_all(closing, wall)
        held = await ownership.held_partitions(claim, topic)  # closing awaited the broker
        # no await from here on: the states are written only where the claim still holds
        for session_id, t in touched.items():
            if held is None or t.anchor.message.partition in held:
                put(self.table, t.anchor, session_id, t.state)
        metrics.OPEN_SESSIONS.set(sum(len(v) for v in self.open_index.values()))

    @property
    def table(self) -> Any:
        return self.pipeline.tables.sessions

    async def _decode_into(self, msg: Any, wall: float, by_session: dict[str, list[Event]],
                           where: dict[str, tuple[int, int]]) -> None:
        s = self.settings
        decoded = decode_message(msg.value, now=wall, max_bytes=s.max_message_bytes, max_future_s=s.max_future_skew_s)
        source = f"{msg.topic}/{msg.partition}@{msg.offset}" if decoded.rejections else ""
        for rejection in decoded.rejections:
            await self.pipeline.dead_letters.send("decode", rejection, key=msg.key, source=source)
        key = msg.key.decode("utf-8", "replace") if isinstance(msg.key, bytes) else msg.key
        partition, offset = msg.partition, msg.offset
        for ev in decoded.events:
            session_id = ev.session_id
            if key is not None and session_id != key:
                # a session split over partitions would be closed twice: producers must key by session
                await self.pipeline.dead_letters.send("decode", Rejection(
                    "wrong_key", f"message key {key!r} is not the event's session_id {session_id!r}; "
                    "key messages by session_id", orjson.dumps(ev.model_dump(mode="json"))), key=msg.key,
                    source=f"{msg.topic}/{partition}@{offset}")
                continue
            events = by_session.get(session_id)
            if events is None:
                events = by_session[session_id] = []
                prev = where.get(session_id)
                where[session_id] = (partition, max(offset, prev[1] if prev else -1))
            elif where[session_id][1] < offset:
                where[session_id] = (partition, offset)
            events.append(ev)

    def _fold(self, state: SessionState, events: list[Event], partition: int, wall: float,
              by_type: dict[str, int]) -> bool:
        applied = 0
        was_closed = state.status == "closed"
        for ev in events:
            if apply(state, ev):
                applied += 1
                by_type[ev.type] = by_type.get(ev.type, 0) + 1
        if applied < len(events):
            metrics.DUPLICATE_EVENTS.inc(len(events) - applied)
        if not applied:
            return False
        self.clocks[partition].observe(state.last_ts, wall)
        if was_closed:
            # a late event: reopen, close again after the gap, re-classify with rev + 1
            metrics.LATE_EVENTS.inc(applied)
            metrics.SESSIONS_REOPENED.inc()
            state.status = "open"
            self.closed_index.get(partition, {}).pop(state.session_id, None)
        self.open_index[partition][state.session_id] = _Seen(state.last_ts, wall, state.ended)
        return True

    async def _close_all(self, closing: list[tuple[SessionState, str]], wall: float) -> None:
        """Close sessions and wait until the broker has their closed records.

        The 'closed' state is written only after that, so a crash can never leave a session
        recorded as closed whose closed record was lost: it would never be classified.
        """
        pending = []
        for state, reason in closing:
            state.status = "closed"
            state.rev += 1
            partition = self._partition_of(state.session_id)
            self.open_index.get(partition, {}).pop(state.session_id, None)
            self.closed_index.setdefault(partition, {})[state.session_id] = (state.last_ts, wall)
            record = {"close_reason": reason, "closed_at": wall, "session": state.to_dict(with_ids=False)}
            sent = await self.pipeline.topics.closed.send(key=state.session_id.encode(), value=orjson.dumps(record))
            if inspect.isawaitable(sent):
                pending.append(sent)
            metrics.SESSIONS_CLOSED.labels(reason=reason).inc()
        if pending:
            await asyncio.gather(*pending)

    def _sweep(self, partition: int, anchor: Any, wall: float, touched: dict[str, _Touched],
               closing: list[tuple[SessionState, str]]) -> None:
        s = self.settings
        watermark = self.clocks[partition].watermark(wall)
        for session_id, seen in list(self.open_index[partition].items()):
            reason = due_to_close(ended=seen.ended, last_ts=seen.last_ts, last_receipt=seen.last_receipt,
                                  watermark=watermark, wall=wall, gap_s=s.inactivity_gap_s, grace_s=s.close_grace_s)
            if not reason:
                continue
            t = touched.get(session_id)
            stored = None if t else get(self.table, anchor, session_id)
            state = t.state if t else (stored.clone() if stored is not None else None)
            if state is None or state.status != "open" or any(c[0] is state for c in closing):
                continue
            closing.append((state, reason))
            touched[session_id] = _Touched(state, anchor)
        # A closed session is forgotten once it is older than the retention in event time *and*
        # was closed that long ago: a backfill moves event time by months in minutes, and
        # re-ingesting the same files must still find the sessions it closed.
        expired = [sid for sid, (last_ts, closed_wall) in self.closed_index.get(partition, {}).items()
                   if last_ts + s.closed_retention_s < watermark and closed_wall + s.closed_retention_s < wall]
        for session_id in expired:
            self.closed_index[partition].pop(session_id, None)
            touched.pop(session_id, None)
            delete(self.table, anchor, session_id)

    # -- partition bookkeeping --------------------------------------------------------------
    def _partition_of(self, session_id: str) -> int:
        # the default Kafka partitioner, which every producer keying by session id uses
        return (murmur2(session_id.encode()) & 0x7FFFFFFF) % self.settings.partitions

    def _ensure_index(self, partition: int, anchor: Any) -> None:
        """Rebuild a partition's indexes from the table after recovery or a rebalance."""
        if partition in self.open_index:
            return
        opened: dict[str, _Seen] = {}
        closed: dict[str, tuple[float, float]] = {}
        clock = self.clocks[partition]
        now = time.time()
        for session_id in list(self.table.keys()):
            if self._partition_of(session_id) != partition:
                continue
            state = get(self.table, anchor, session_id)
            if state is None:
                continue
            clock.max_ts = max(clock.max_ts, state.last_ts)
            if state.status == "open":
                opened[session_id] = _Seen(state.last_ts, 0.0, state.ended)
            else:
                closed[session_id] = (state.last_ts, now)  # closing time unknown: count from now
        clock.last_wall = clock.last_wall or now
        self.open_index[partition] = opened
        self.closed_index[partition] = closed

    def drop_partitions(self, partitions: set[int]) -> None:
        """Free the in-memory states of partitions that moved to another worker.

        Faust's memory store only forgets keys it recovered itself, not those written live; the
        rocksdb store keeps a database per partition and manages them.
        """
        store = self.table.data
        if not partitions or not isinstance(store, MemoryStore):
            return
        for key in [k for k in store.data if self._partition_of(k) in partitions]:
            del store.data[key]

    def forget(self, partitions: set[int]) -> None:
        """Drop the indexes of partitions whose ownership changed; they are rebuilt after recovery.

        Table values are Faust's: it drops them for partitions that moved away and replays the
        changelog for partitions that arrive.
        """
        for p in partitions:
            self.open_index.pop(p, None)
            self.closed_index.pop(p, None)
            self.clocks.pop(p, None)
