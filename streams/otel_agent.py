"""The OTel normalizer agent: Claude Code OpenTelemetry logs in, native event batches out.

Reads the OpenTelemetry Collector's Kafka exporter output (encoding otlp_json) and writes one
batch message per session to the events topic, keyed by session id, so the sessionizer treats
these sessions like any other source. What cannot be mapped goes to the dead-letter topic.
"""

from __future__ import annotations

import time
from typing import Any

from models.adapters.otel import normalize_otlp
from models.decode import encode_batch
from streams import metrics
from streams.app import Pipeline
from streams.fence import Claim


class OtelNormalizer:
    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    async def process(self, batch: list[Any], claim: Claim | None = None) -> None:
        topics = self.pipeline.topics
        for event in batch:
            msg = event.message
            metrics.MESSAGES.labels(topic="otel").inc()
            skew = self.pipeline.settings.max_future_skew_s
            result = normalize_otlp(msg.value or b"", now=time.time(), max_future_s=skew)
            source = f"{msg.topic}/{msg.partition}@{msg.offset}"
            for problem in result.problems:
                await self.pipeline.dead_letters.send("otel", problem, key=msg.key, source=source)
            for session_id, events in result.sessions.items():
                value = encode_batch(session_id, [e.model_dump(mode="json") for e in events])
                await topics.events.send(key=session_id.encode(), value=value)
