"""Fixtures that start the real embedded broker and real worker processes."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from streams.broker import EmbeddedBroker
from streams.settings import Settings
from streams.topics import create_topics
from tests.support import WorkerProcess

_ids = itertools.count()


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    log = tmp_path_factory.mktemp("broker") / "broker.log"
    with EmbeddedBroker(log_path=log) as b:
        yield b


@pytest.fixture
def app_env(broker: EmbeddedBroker) -> dict[str, str]:
    """Settings for one test: its own topic names and consumer group, so tests never share state."""
    n = next(_ids)
    env = {
        "SESSIONSCOPE_APP_ID": f"ss-test-{n}",
        "SESSIONSCOPE_PARTITIONS": "4",
        "SESSIONSCOPE_TOPIC_EVENTS": f"t{n}-events",
        "SESSIONSCOPE_TOPIC_CLOSED": f"t{n}-closed",
        "SESSIONSCOPE_TOPIC_CLASSIFIED": f"t{n}-classified",
        "SESSIONSCOPE_TOPIC_STATS": f"t{n}-stats",
        "SESSIONSCOPE_TOPIC_ALERTS": f"t{n}-alerts",
        "SESSIONSCOPE_TOPIC_DLQ": f"t{n}-dlq",
        "SESSIONSCOPE_TOPIC_OTEL": f"t{n}-otel",
        "SESSIONSCOPE_CLOSE_GRACE_S": "0.5",
        "SESSIONSCOPE_TICK_INTERVAL_S": "0.5",
    }
    settings = Settings(broker=broker.url, **{k.removeprefix("SESSIONSCOPE_").lower(): v for k, v in env.items()})
    asyncio.run(create_topics(settings))
    return env


@pytest.fixture
def start_worker(
    broker: EmbeddedBroker, app_env: dict[str, str], tmp_path: Path
) -> Iterator[Callable[..., WorkerProcess]]:
    workers: list[WorkerProcess] = []

    def start(**extra: str) -> WorkerProcess:
        w = WorkerProcess(broker.url, tmp_path, {**app_env, **extra})
        workers.append(w)
        return w.start()

    yield start
    for w in workers:
        w.stop()
