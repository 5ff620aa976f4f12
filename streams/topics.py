"""Creating the source and sink topics (Faust creates only its changelogs)."""

from __future__ import annotations

import contextlib

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from streams.settings import Settings


def topic_plan(s: Settings) -> dict[str, int]:
    """Topic name -> partitions. Topics keyed by session share one partition count."""
    return {
        s.topic_events: s.partitions,
        s.topic_closed: s.partitions,
        s.topic_otel: s.partitions,
        s.topic_classified: 1,  # the cohort aggregate must see every session
        s.topic_stats: 1,
        s.topic_alerts: 1,
        s.topic_dlq: 1,
    }


async def create_topics(s: Settings) -> list[str]:
    """Create missing topics; returns the names created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=s.bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [NewTopic(name, n, s.replication_factor) for name, n in topic_plan(s).items() if name not in existing]
        if wanted:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(wanted)
        return [t.name for t in wanted]
    finally:
        await admin.close()
