"""The aggregate agent: classified sessions in, rolling event-time windows per cohort out.

Each session revision is counted once: the contributions table remembers what a session added
and at which revision, so a replayed record is ignored and a re-classified session is retracted
from its old bucket before the new one is added. The contributions table is the only record of
what was counted: the window buckets are a view of it, kept in memory and rebuilt from it when
the worker takes the classified partition. Each session's contribution is one changelog record,
so a crash between two writes of a batch cannot leave a bucket and its contributions disagreeing
(kept as separate records, a bucket could be written without the contribution that explains it,
and the replay would count the session twice, or the other way round and not at all).
Window snapshots go to the stats topic when event time passes a step boundary, and again if a
late correction changes an emitted window.
"""

from __future__ import annotations

import copy
import logging
import time
from typing import Any

import orjson
from faust.stores.memory import Store as MemoryStore

from models.alerting import AlertPolicy, alert_record, decide
from models.classification import expertise_label
from models.decode import Rejection
from models.windows import (
    SEP,
    Contribution,
    WindowSpec,
    add_to_bucket,
    contribution,
    parse_windows,
    snapshot,
    sum_buckets,
    top_cohorts,
)
from streams import metrics
from streams.app import Pipeline
from streams.fence import Claim
from streams.table_io import delete, get, put

log = logging.getLogger(__name__)
META = "__meta__"
ALERT_DIMENSIONS = ("all", "agent", "expertise")


class Aggregator:
    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.specs: list[WindowSpec] = parse_windows(pipeline.settings.windows)
        self.horizon = max(s.size_s for s in self.specs) + pipeline.settings.allowed_lateness_s
        # what /metrics shows: {window: (end, {cohort: vector})}, swapped whole so the
        # scrape thread never sees a half-built dict
        self.exported: dict[str, tuple[int, dict[str, list[float]]]] = {}
        self._export_due = True
        self._last_export = 0.0
        self.owned = True  # while this worker holds the classified partition (set on rebalance)
        self._started = time.time()
        self._last_prune = 0.0
        self._touched_wall: dict[str, float] = {}  # bucket -> wall time it last changed
        # "<window>|<bucket start>" -> {cohort: counter vector}; None until rebuilt from contributions
        self.buckets: dict[str, dict[str, list[float]]] | None = None

    @property
    def windows(self) -> Any:
        return self.pipeline.tables.windows

    def meta(self) -> dict[str, Any]:
        """A copy of the stored metadata (watermark, emitted windows, alert states) to change."""
        meta = self.windows.data.get(META)
        return copy.deepcopy(meta) if meta else {"watermark": None, "emitted": {}}

    async def process(self, batch: list[Any], claim: Claim) -> None:
        wall = time.time()
        meta = self.meta()
        contribs = self.pipeline.tables.contributions
        changes: list[tuple[Contribution | None, Contribution]] = []  # (retract, add), in order
        latest: dict[str, Contribution] = {}  # written after the fence
        seen: list[dict[str, Any]] = []  # revisions counted in this batch
        corrections: set[tuple[str, int]] = set()
        anchor = batch[0]  # one partition: any event of the batch names it for table access
        for event in batch:
            msg = event.message
            metrics.MESSAGES.labels(topic="classified").inc()
            try:
                record = orjson.loads(msg.value)
                new = contribution(record)
            except Exception as exc:
                await self.pipeline.dead_letters.send("aggregate", Rejection(
                    "bad_classified_record", f"unreadable classified record: {exc!r}", msg.value or b""), key=msg.key)
                continue
            old = latest.get(new.session_id)
            if old is None:
                old_raw = get(contribs, anchor, new.session_id)
                old = Contribution.from_list(old_raw) if old_raw else None
            if old is not None and old.rev >= new.rev:
                continue  # this revision is counted already
            wm = meta["watermark"]
            floor = meta.get("floor")  # None until a bucket has been forgotten (JSON has no -inf)
            if floor is not None and new.ts < floor:  # its buckets may be gone already
                metrics.SESSIONS_LATE_FOR_WINDOWS.inc()
            else:
                changes.append((old, new))
                latest[new.session_id] = new
                for c in (old, new):
                    if c is not None:
                        self._corrections(c, meta, corrections)
                meta["watermark"] = max(wm or new.ts, new.ts)
            seen.append(record)
        held = await self.pipeline.ownership.held_partitions(claim, self.pipeline.settings.topic_classified)
        if held is not None and 0 not in held:
            return  # a rebalance handed the windows to another worker: it counts this batch
        # no await between here and the end of the bucket updates: the buckets always equal
        # what the contributions table holds
        for record in seen:
            c = record["classification"]
            metrics.SESSIONS_CLASSIFIED.labels(work_mode=c["work_mode"], expertise=expertise_label(c["expertise"]),
                                               outcome=c["outcome"]).inc()
            metrics.END_TO_CLASSIFIED.observe(max(0.0, wall - record.get("closed_at", wall)))
        for session_id, c in latest.items():
            put(contribs, anchor, session_id, c.to_list())
        if self.buckets is None:
            self.rebuild_if_needed(meta)  # includes the contributions just written
        else:
            for old, new in changes:
                if old is not None:
                    self._add(old, -1, wall)
                self._add(new, 1, wall)
        if meta["watermark"] is not None:
            await self._emit(meta, corrections)
            self._prune(meta, anchor, wall)
            put(self.windows, anchor, META, meta)
            metrics.WATERMARK.set(meta["watermark"])
        self._export_due = True
        self.refresh_export(wall, force=True)
        if meta["watermark"] is not None:
            await self._alerts(meta)
            put(self.windows, anchor, META, meta)

    def rebuild_if_needed(self, meta: dict[str, Any]) -> dict[str, dict[str, list[float]]]:
        """The buckets, rebuilt from the contributions table if this worker has just taken it.

        Agents and ticks run only after Faust has recovered the tables, so the contributions
        are complete here. Contributions older than the floor belong to forgotten buckets.
        """
        if self.buckets is not None:
            return self.buckets
        floor = meta.get("floor")
        rows = sorted((Contribution.from_list(v) for v in self.pipeline.tables.contributions.data.values() if v),
                      key=lambda c: (c.ts, c.session_id))
        self.buckets = {}
        for c in rows:
            if floor is None or c.ts >= floor:
                self._add(c, 1, None)
        self._export_due = True
        log.info("window buckets rebuilt from %d contributions", len(rows))
        return self.buckets

    def _add(self, c: Contribution, sign: int, wall: float | None) -> None:
        assert self.buckets is not None
        for spec in self.specs:
            key = f"{spec.name}|{spec.bucket(c.ts)}"
            bucket = self.buckets.setdefault(key, {})
            add_to_bucket(bucket, c, sign)
            if not bucket:
                del self.buckets[key]
            if wall is not None:
                self._touched_wall[key] = wall

    def _corrections(self, c: Contribution, meta: dict[str, Any], corrections: set[tuple[str, int]]) -> None:
        """Windows already written to the stats topic that a change to c's buckets alters."""
        for spec in self.specs:
            start = spec.bucket(c.ts)
            emitted = meta["emitted"].get(spec.name)
            if emitted is not None and start < emitted:
                for end in range(start + spec.step_s, min(start + spec.size_s, emitted) + 1, spec.step_s):
                    corrections.add((spec.name, end))

    def _totals(self, spec: WindowSpec, end: int) -> dict[str, list[float]]:
        data = self.buckets or {}
        return sum_buckets(data.get(f"{spec.name}|{b}") for b in spec.buckets_of(end))

    async def _emit(self, meta: dict[str, Any], corrections: set[tuple[str, int]]) -> None:
        wm = meta["watermark"]
        todo = set(corrections)
        for spec in self.specs:
            complete = spec.bucket(wm)  # windows ending here or before are complete in event time
            last = meta["emitted"].get(spec.name)
            first = complete if last is None else last + spec.step_s
            for end in range(max(first, complete - 1000 * spec.step_s), complete + 1, spec.step_s):
                todo.add((spec.name, end))
            meta["emitted"][spec.name] = max(last or complete, complete)
        by_name = {s.name: s for s in self.specs}
        for name, end in sorted(todo, key=lambda t: (t[1], t[0])):
            spec = by_name[name]
            snap = snapshot(spec, end, self._totals(spec, end))
            await self.pipeline.topics.stats.send(key=f"{name}:{end}".encode(), value=orjson.dumps(snap))
            metrics.STATS_SNAPSHOTS.labels(window=name).inc()

    def _prune(self, meta: dict[str, Any], anchor: Any, wall: float) -> None:
        """Forget buckets no window within the horizon reaches, once nothing has touched them for
        the allowed lateness in wall time: a backfill moves event time by months in minutes, and
        its sessions arrive in no particular order. Sessions older than the highest forgotten
        bucket (the floor) are not windowed any more; they are counted as outside retention."""
        if wall - self._last_prune < min(60.0, self.pipeline.settings.allowed_lateness_s):
            return
        self._last_prune = wall
        cutoff = meta["watermark"] - self.horizon
        idle = self.pipeline.settings.allowed_lateness_s
        steps = {s.name: s.step_s for s in self.specs}
        floor = meta.get("floor")
        buckets = self.buckets or {}
        for key in list(buckets):
            name, start = key.split("|", 1)
            if int(start) < cutoff and wall - self._touched_wall.get(key, self._started) > idle:
                del buckets[key]
                self._touched_wall.pop(key, None)
                floor = max(floor or float("-inf"), int(start) + steps.get(name, 0))
        meta["floor"] = floor
        if floor is None:
            return
        contribs = self.pipeline.tables.contributions
        for key in [k for k in list(contribs.keys()) if (v := get(contribs, anchor, k)) and v[2] < floor]:
            delete(contribs, anchor, key)

    async def _alerts(self, meta: dict[str, Any]) -> None:
        """Success-rate drop per cohort: the short window against the longest one, with hysteresis."""
        s = self.pipeline.settings
        policy = AlertPolicy(s.alert_min_sessions, s.alert_drop_ratio, s.alert_clear_ratio)
        short_spec = min(self.specs, key=lambda w: w.size_s)
        base_spec = max(self.specs, key=lambda w: w.size_s)
        if short_spec == base_spec or short_spec.name not in self.exported:
            return
        short = self.exported[short_spec.name][1]
        base = self.exported[base_spec.name][1]
        states = meta.setdefault("alerts", {})
        for key in [k for k in short if k.split(SEP, 1)[0] in ALERT_DIMENSIONS]:
            was = states.get(key, False)
            now = decide(was, short.get(key), base.get(key), policy)
            if now != was:
                dim, _, value = key.partition(SEP)
                states[key] = now
                record = alert_record(key, now, short.get(key), base.get(key), short_window=short_spec.name,
                                      baseline_window=base_spec.name, event_time=meta["watermark"])
                await self.pipeline.topics.alerts.send(key=f"success_rate_drop:{dim}:{value}".encode(),
                                                       value=orjson.dumps(record))
                metrics.ALERTS.labels(alert="success_rate_drop", state=record["state"]).inc()
        firing = sum(1 for v in states.values() if v)
        metrics.ALERT_ACTIVE.labels(alert="success_rate_drop", window=short_spec.name).set(firing)

    def release(self) -> None:
        """The classified partition moved to another worker: stop exporting and free its windows.

        The memory store keeps keys written live after their partition moves away; the next
        owner recovers them from the changelogs (and so would this worker, should it come back).
        """
        self.owned = False
        self.exported = {}
        self.buckets = None
        for table in (self.windows, self.pipeline.tables.contributions):
            if isinstance(table.data, MemoryStore):
                table.data.data.clear()

    def refresh_export(self, wall: float, *, force: bool = False) -> None:
        """Recompute what /metrics shows, at most every 0.2 s unless forced."""
        if not self.owned:
            self.exported = {}
            return
        if not (self._export_due or force) or (not force and wall - self._last_export < 0.2):
            return
        meta = self.meta()
        if self.buckets is None:
            app = self.pipeline.app
            if app.rebalancing or not app.tables.recovery.completed.is_set():  # type: ignore[attr-defined]
                return  # the contributions are still being read back
            self.rebuild_if_needed(meta)
        if meta["watermark"] is None:
            return
        top_n = self.pipeline.settings.cohort_top_n
        exported = {}
        for spec in self.specs:
            end = spec.end_containing(meta["watermark"])
            exported[spec.name] = (end, top_cohorts(self._totals(spec, end), top_n))
        self.exported = exported
        self._export_due = False
        self._last_export = wall
