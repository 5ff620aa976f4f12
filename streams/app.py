"""The Faust application: topics, tables and agents, wired from the one Settings object."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import faust

from streams import codecs, commit_guard, coordination_watch, end_offsets, faust_fixes, seek_fence
from streams.dlq import DeadLetters
from streams.fence import Ownership
from streams.settings import Settings


@dataclass
class Topics:
    events: Any
    closed: Any
    classified: Any
    stats: Any
    alerts: Any
    dlq: Any
    otel: Any


@dataclass
class Tables:
    sessions: Any  # session_id -> SessionState (open, and closed ones kept for late events)
    contributions: Any  # session_id -> what it added to the windows (to retract on re-classification)
    windows: Any  # "__meta__" -> watermark, emitted windows, alert states (the buckets are rebuilt from contributions)


@dataclass
class Pipeline:
    settings: Settings
    app: faust.App
    topics: Topics
    tables: Tables
    dead_letters: DeadLetters
    ownership: Ownership  # which partitions a batch may still write and acknowledge (streams/fence.py)


def create_app(settings: Settings) -> Pipeline:
    codecs.register()
    faust_fixes.apply()
    end_offsets.apply()  # the embedded broker under-reports changelog ends; recovery must read them all
    commit_guard.apply()  # a commit never skips offsets that were not acknowledged
    seek_fence.apply()  # records fetched before a seek are not delivered after it
    app = faust.App(
        settings.app_id,
        broker=settings.broker,
        store=settings.store,
        datadir=settings.data_dir,
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        topic_allow_declare=settings.declare_topics,
        key_serializer="utf8",
        value_serializer="raw",
        web_enabled=False,
        broker_session_timeout=10,
        broker_heartbeat_interval=1,
        broker_rebalance_timeout=10,
        broker_commit_interval=0.5,
        broker_commit_every=100,
        stream_wait_empty=False,  # batches in flight at a rebalance are fenced instead (streams/fence.py)
        table_cleanup_interval=3600,
        stream_recovery_delay=settings.rebalance_settle_s,
        consumer_auto_offset_reset="earliest",
    )
    coordination_watch.apply(app)  # a consumer whose group coordination died would run on unnoticed

    def topic(name: str, partitions: int | None = None) -> Any:
        return app.topic(name, key_type=str, value_type=bytes, partitions=partitions, internal=False)

    topics = Topics(
        events=topic(settings.topic_events, settings.partitions),
        closed=topic(settings.topic_closed, settings.partitions),
        # one partition: the cohort aggregate must see every session to export exact shares
        classified=topic(settings.topic_classified, 1),
        stats=topic(settings.topic_stats, 1),
        alerts=topic(settings.topic_alerts, 1),
        dlq=topic(settings.topic_dlq, 1),
        otel=topic(settings.topic_otel, settings.partitions),
    )
    tables = Tables(
        sessions=_table(app, "sessions", settings.partitions, "session_state"),
        contributions=_table(app, "contributions", 1, "orjson"),
        windows=_table(app, "windows", 1, "orjson"),
    )
    return Pipeline(settings, app, topics, tables, DeadLetters(topics.dlq, settings.transcript_text),
                    Ownership(app))


def _codec_type(codec: str) -> type:
    """A marker type naming a codec: Faust takes a table's key and value codecs from their types."""
    return type(f"{codec}_type", (), {"_options": SimpleNamespace(serializer=codec),
                                      "from_data": classmethod(lambda cls, value, preferred_type=None: value)})


def _table(app: faust.App, name: str, partitions: int, value_codec: str) -> Any:
    return app.Table(name, default=None, partitions=partitions, key_type=_codec_type("utf8"),
                     value_type=_codec_type(value_codec))
