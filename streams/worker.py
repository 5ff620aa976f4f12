"""Agents and timers of a worker. Agents stay thin: take a batch, call one component, move on."""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

import orjson
from aiokafka.errors import KafkaError

from models.decode import Rejection
from streams import metrics
from streams.aggregator import Aggregator
from streams.app import Pipeline
from streams.batching import batches
from streams.classifier import make_classifier
from streams.classify_agent import ClassifyAgent
from streams.fence import Claim
from streams.otel_agent import OtelNormalizer
from streams.sessionizer import TICK_HEADER, Sessionizer

log = logging.getLogger(__name__)


async def _guarded(pipeline: Pipeline, stage: str, step: Any, batch: list[Any], claim: Claim) -> bool:
    """Run one batch; a bug must not stop the agent, and the batch's messages go to the DLQ.
    False when the broker refused a write: the batch is not acknowledged and is read again."""
    try:
        await step(batch, claim)
    except KafkaError:
        log.exception("%s: a write of a batch of %d messages failed; it is read again", stage, len(batch))
        return False
    except Exception as exc:
        log.exception("%s failed on a batch of %d messages; they go to the dead-letter topic", stage, len(batch))
        for event in batch:
            msg = event.message
            await pipeline.dead_letters.send(stage, Rejection("internal_error", repr(exc)[:500],
                                                                    msg.value or b""), key=msg.key)
    return True


async def _run(pipeline: Pipeline, stream: Any, stage: str, step: Any, take: dict[str, Any]) -> None:
    """Process batches, acknowledging each only once it is fully processed (or dead-lettered).

    Faust's take_events acknowledges a batch even when the agent is cancelled half-way through
    it (as on SIGTERM), which commits offsets whose effects were never written, and its take
    buffers can skip messages (streams/batching.py). A batch that is not acknowledged is read
    again after a restart, and replays are absorbed. A batch overtaken by a rebalance writes and
    acknowledges only the partitions held throughout (streams/fence.py).
    """
    noack = stream.noack()
    async for batch in batches(noack.events(), stamp=pipeline.ownership.stamp, fresh=pipeline.ownership.fresh, **take):
        claim = pipeline.ownership.claim()
        if not await _guarded(pipeline, stage, step, batch, claim):
            continue  # not acknowledged: the commit stops before it and reads it again (streams/commit_guard.py)
        held = await pipeline.ownership.held(claim)
        for event in batch:
            if held is None or event.message.tp in held:
                await noack.ack(event)


class Worker:
    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.sessionizer = Sessionizer(pipeline)
        self.classify = ClassifyAgent(pipeline, make_classifier(pipeline.settings))
        self.aggregator = Aggregator(pipeline)
        self.otel = OtelNormalizer(pipeline)
        self._register()

    def _register(self) -> None:
        p, s, app = self.pipeline, self.pipeline.settings, self.pipeline.app
        take = {"max_": s.batch_size, "within": float(s.batch_within_s)}

        @app.agent(p.topics.events, name="sessionize")
        async def sessionize(stream: Any) -> None:
            await _run(p, stream, "sessionize", self.sessionizer.process, take)

        @app.agent(p.topics.closed, name="classify")
        async def classify(stream: Any) -> None:
            await _run(p, stream, "classify", self.classify.process, take)

        @app.agent(p.topics.classified, name="aggregate")
        async def aggregate(stream: Any) -> None:
            await _run(p, stream, "aggregate", self.aggregator.process, take)

        @app.agent(p.topics.otel, name="otel-normalize")
        async def otel_normalize(stream: Any) -> None:
            await _run(p, stream, "otel", self.otel.process, take)

        @app.task
        async def quiet_root_logger() -> None:
            # Faust's terminal spinner sets the root logger to DEBUG so it spins on every record, and
            # every debug call in aiokafka and Faust then builds a LogRecord (~3% of the worker's CPU)
            logging.getLogger().setLevel(s.log_level.upper())

        @app.timer(interval=s.tick_interval_s, name="ticks")
        async def ticks() -> None:
            # event time must advance on partitions that receive nothing: tick each one we own
            value = orjson.dumps({"tick": time.time()})
            actives = app.assignor.assigned_actives()
            recovered = app.tables.recovery.completed.is_set()  # type: ignore[attr-defined]
            metrics.READY.set(1 if actives and recovered and not app.rebalancing else 0)
            for tp in actives:
                if tp.topic == s.topic_events:
                    await p.topics.events.send(key=None, value=value, partition=tp.partition,
                                               headers={TICK_HEADER: b"1"})
            self.aggregator.refresh_export(time.time(), force=True)
            await self._update_lag()

        async def on_assigned(*args: Any, **kwargs: Any) -> None:
            # Called with the new assignment after every rebalance. (The revoke signal is no use
            # here: with eager rebalancing it lists every partition, also those that stay.)
            assigned = set(args[1] if len(args) > 1 else kwargs.get("assigned", set()))
            before = p.ownership.owned
            moved_away, gained = before - assigned, assigned - before
            p.ownership.assigned(assigned)
            self.sessionizer.forget(set(self.sessionizer.open_index) | set(self.sessionizer.closed_index))
            self.sessionizer.drop_partitions({tp.partition for tp in moved_away if tp.topic == s.topic_events})
            if any(tp.topic == s.topic_classified for tp in moved_away):
                self.aggregator.release()  # another worker exports these windows now
            if any(tp.topic == s.topic_classified for tp in gained):
                self.aggregator.buckets = None  # taken over: rebuilt from the recovered contributions
            self.aggregator.owned = any(tp.topic == s.topic_classified for tp in assigned)
            for tp in moved_away:
                with contextlib.suppress(KeyError):
                    metrics.CONSUMER_LAG.remove(tp.topic, str(tp.partition))

        app.on_partitions_assigned.connect(on_assigned)

    async def _update_lag(self) -> None:
        consumer = self.pipeline.app.consumer
        s = self.pipeline.settings
        try:
            ours = {s.topic_events, s.topic_closed, s.topic_classified, s.topic_otel}
            for tp in consumer.assignment():
                if tp.topic not in ours:  # changelogs are read only during recovery
                    continue
                position = await consumer.position(tp)
                highwater = consumer.highwater(tp)
                if position is not None and highwater is not None:
                    metrics.CONSUMER_LAG.labels(topic=tp.topic, partition=str(tp.partition)).set(
                        max(0, highwater - position))
        except Exception:  # lag is best effort; never let it stop the tick
            log.debug("consumer lag unavailable", exc_info=True)
