"""A stopping worker sends every buffered write before its Kafka producer goes (real broker)."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition

from streams.app import create_app
from streams.broker import EmbeddedBroker
from streams.settings import Settings
from streams.topics import create_topics

WRITES = 3000


async def _buffer_then_stop(settings: Settings) -> None:
    pipeline = create_app(settings)
    producer = pipeline.app.producer
    await producer.start()
    for i in range(WRITES):  # as table writes do: queued in Faust's buffer, sent by its task
        pipeline.topics.stats.send_soon(key=f"k{i}", value=b"v")
    assert producer.buffer.size > 0  # most are still queued when the stop begins
    await producer.stop()
    assert producer.buffer.size == 0


async def _count(bootstrap: str, topic: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        seen = 0
        while batch := await consumer.getmany(tp, timeout_ms=2000):
            seen += sum(len(records) for records in batch.values())
        return seen
    finally:
        await consumer.stop()


def test_buffered_writes_are_sent_before_the_producer_stops(broker: EmbeddedBroker, app_env: dict[str, str]) -> None:
    settings = Settings(broker=broker.url, **{k.removeprefix("SESSIONSCOPE_").lower(): v
                                              for k, v in app_env.items()})
    asyncio.run(create_topics(settings))
    asyncio.run(_buffer_then_stop(settings))
    assert asyncio.run(_count(broker.bootstrap, settings.topic_stats)) == WRITES
