"""Agents and timers of a worker. Agents stay thin: take a batch, call one component, move on."""

from __future__ import annotations

import logging
import time
from typing import Any

import orjson

from models.decode import Rejection
from streams import metrics
from streams.aggregator import Aggregator
from streams.app import Pipeline
from streams.classifier import make_classifier
from streams.classify_agent import ClassifyAgent
from streams.otel_agent import OtelNormalizer
from streams.sessionizer import TICK_HEADER, Sessionizer

log = logging.getLogger(__name__)


async def _guarded(pipeline: Pipeline, stage: str, step: Any, batch: list[Any]) -> None:
    """Run one batch; a bug must not stop the agent, and the batch's messages go to the DLQ."""
    try:
        await step(batch)
    except Exception as exc:
        log.exception("%s failed on a batch of %d messages; they go to the dead-letter topic", stage, len(batch))
        for event in batch:
            msg = event.message
            await pipeline.dead_letters.send(stage, Rejection("internal_error", repr(exc)[:500],
                                                                    msg.value or b""), key=msg.key)


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
        take = {"max_": s.batch_size, "within": s.batch_within_s}

        @app.agent(p.topics.events, name="sessionize")
        async def sessionize(stream: Any) -> None:
            async for batch in stream.take_events(**take):
                await _guarded(p, "sessionize", self.sessionizer.process, batch)

        @app.agent(p.topics.closed, name="classify")
        async def classify(stream: Any) -> None:
            async for batch in stream.take_events(**take):
                await _guarded(p, "classify", self.classify.process, batch)

        @app.agent(p.topics.classified, name="aggregate")
        async def aggregate(stream: Any) -> None:
            async for batch in stream.take_events(**take):
                await _guarded(p, "aggregate", self.aggregator.process, batch)

        @app.agent(p.topics.otel, name="otel-normalize")
        async def otel_normalize(stream: Any) -> None:
            async for batch in stream.take_events(**take):
                await _guarded(p, "otel", self.otel.process, batch)

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

        async def on_revoked(*args: Any, **kwargs: Any) -> None:
            revoked = args[1] if len(args) > 1 else kwargs.get("revoked", set())
            self.sessionizer.forget({tp.partition for tp in revoked if tp.topic == s.topic_events})

        app.on_partitions_revoked.connect(on_revoked)

    async def _update_lag(self) -> None:
        consumer = self.pipeline.app.consumer
        try:
            for tp in consumer.assignment():
                position = await consumer.position(tp)
                highwater = consumer.highwater(tp)
                if position is not None and highwater is not None:
                    metrics.CONSUMER_LAG.labels(topic=tp.topic, partition=str(tp.partition)).set(
                        max(0, highwater - position))
        except Exception:  # lag is best effort; never let it stop the tick
            log.debug("consumer lag unavailable", exc_info=True)
