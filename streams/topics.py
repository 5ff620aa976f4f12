"""Creating the source and sink topics, and Faust's own topics where workers may not create them."""

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


def state_topic_plan(s: Settings) -> dict[str, tuple[int, dict[str, str]]]:
    """Faust's topics -> (partitions, topic config): each table's changelog, compacted as Faust declares it,
    and the leader-election topic. Read off the app itself, so they cannot drift from what workers use."""
    from streams.app import create_app  # builds the app without starting it

    app = create_app(s).app
    plan: dict[str, tuple[int, dict[str, str]]] = {}
    for table in app.tables.values():
        changelog = table.changelog_topic
        plan[changelog.get_topic_name()] = (changelog.partitions or s.partitions, {"cleanup.policy": "compact"})
    plan[f"{app.conf.id}-__assignor-__leader"] = (1, {})  # the name Faust's LeaderAssignor gives it
    return plan


def full_topic_plan(s: Settings) -> dict[str, int]:
    """Every topic a worker reads or writes, Faust's included: what a cluster without CreateTopics needs."""
    return {**topic_plan(s), **{name: n for name, (n, _) in state_topic_plan(s).items()}}


async def create_topics(s: Settings, *, state: bool = False) -> list[str]:
    """Create missing topics (with `state`, Faust's too); returns the names created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=s.bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        plan: dict[str, tuple[int, dict[str, str]]] = {name: (n, {}) for name, n in topic_plan(s).items()}
        plan |= state_topic_plan(s) if state else {}
        wanted = [NewTopic(name, n, s.replication_factor, topic_configs=config)
                  for name, (n, config) in plan.items() if name not in existing]
        if wanted:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(wanted)
        return [t.name for t in wanted]
    finally:
        await admin.close()
