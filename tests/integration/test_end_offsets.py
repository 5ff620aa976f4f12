"""Table recovery reads every changelog record: end offsets are checked against the last batch."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import TopicPartition

from streams.broker import EmbeddedBroker
from streams.end_offsets import true_ends


async def _produce_batches(bootstrap: str, topic: str, rounds: int, per_round: int) -> int:
    """Send records in multi-record batches; the offset after the last acknowledged one."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, 2, 1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20)
    await producer.start()
    try:
        last = -1
        for _ in range(rounds):
            sent = [await producer.send(topic, b"x" * 100, partition=0) for _ in range(per_round)]
            last = max(md.offset for md in await asyncio.gather(*sent))
        return last + 1
    finally:
        await producer.stop()


async def _check(bootstrap: str) -> tuple[dict[TopicPartition, int], dict[TopicPartition, int | None], int]:
    end = await _produce_batches(bootstrap, "end-offsets", rounds=3, per_round=25)
    tps = [TopicPartition("end-offsets", 0), TopicPartition("end-offsets", 1)]
    listing = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await listing.start()
    try:
        reported = await listing.end_offsets(tps)
    finally:
        await listing.stop()
    checked = await true_ends(lambda: AIOKafkaConsumer(bootstrap_servers=bootstrap), reported)
    # a partition reported empty (or unknown) is read from its start: it may not be
    wrong = {tps[0]: 0, tps[1]: None}
    checked_wrong = await true_ends(lambda: AIOKafkaConsumer(bootstrap_servers=bootstrap), wrong)
    assert checked_wrong == {tps[0]: end, tps[1]: None}
    return reported, checked, end


def test_true_end_offsets_cover_the_last_multi_record_batch(broker: EmbeddedBroker) -> None:
    reported, checked, end = asyncio.run(_check(broker.bootstrap))
    assert checked[TopicPartition("end-offsets", 0)] == end
    assert checked[TopicPartition("end-offsets", 1)] == 0  # an empty partition needs no fetch
    # the embedded broker reports the last batch's base offset + 1; a correct broker reports `end`
    assert reported[TopicPartition("end-offsets", 0)] <= end
