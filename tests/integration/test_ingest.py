"""`sessionscope ingest` into a real Kafka-protocol broker, read back with a plain consumer."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import orjson
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from models.decode import decode_message
from streams.broker import EmbeddedBroker
from streams.commands.ingest import inactive_end, ingest_files
from streams.settings import Settings
from streams.transcript_files import discover, read_transcript

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "transcripts"
TOPIC = "ingest-test-events"


@pytest.mark.integration
async def test_ingest_produces_every_session_keyed_by_session_id(tmp_path: Path) -> None:
    with EmbeddedBroker(log_path=tmp_path / "broker.log") as broker:
        admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
        await admin.start()
        try:
            await admin.create_topics([NewTopic(TOPIC, 2, 1)])
        finally:
            await admin.close()
        settings = Settings(broker=broker.url, topic_events=TOPIC)
        now = 2e9  # long after every session: each gets its closing "inactive" event
        progress = await ingest_files([DATA], settings, since=None, dry_run=False, now=now, err=io.StringIO())

        expected: dict[str, int] = {}
        for path in discover([DATA]):
            result = read_transcript(path)
            closing = inactive_end(result.session_id, result.events, now, settings.inactivity_gap_s)
            expected[result.session_id] = expected.get(result.session_id, 0) + len(result.events) + bool(closing)
        assert progress.events == sum(expected.values())

        consumer = AIOKafkaConsumer(TOPIC, bootstrap_servers=broker.bootstrap, auto_offset_reset="earliest",
                                    enable_auto_commit=False, group_id=None)  # fmt: skip
        await consumer.start()
        got: dict[str, int] = {}
        messages = 0
        try:
            async with asyncio.timeout(60):
                while messages < progress.messages:
                    for records in (await consumer.getmany(timeout_ms=1000)).values():
                        for record in records:
                            messages += 1
                            assert record.key is not None
                            key = record.key.decode()
                            doc = orjson.loads(record.value)
                            assert doc["session_id"] == key and 0 < len(doc["events"]) <= 500
                            decoded = decode_message(record.value, now=now)
                            assert decoded.rejections == []
                            got[key] = got.get(key, 0) + len(decoded.events)
        finally:
            await consumer.stop()
        assert got == expected
        assert sum(1 for e in expected.values() if e) == 30
        assert messages == progress.messages >= len(expected)
