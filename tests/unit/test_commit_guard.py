"""A commit never covers offsets that were read past without being acknowledged (Faust's real
consumer object; no broker is contacted)."""

from __future__ import annotations

import asyncio
from typing import Any

import faust
import pytest
from faust.types import TP

from streams import commit_guard

EVENTS = TP("events", 0)


@pytest.fixture
def consumer() -> Any:
    commit_guard.apply()
    app = faust.App("guard-check", broker="kafka://127.0.0.1:1")
    c: Any = app.consumer
    c.seeks = []

    async def seek(tp: TP, offset: int) -> None:  # records what a re-read would ask of the client
        c.seeks.append((tp, offset))

    c.seek = seek
    return c


def _offer(c: Any, offsets: list[int]) -> int | None:
    c._acked[EVENTS] = list(offsets)
    c._acked_index[EVENTS] = set(offsets)

    async def run() -> int | None:
        result = c._new_offset(EVENTS)
        await asyncio.sleep(0)  # lets a scheduled re-read start
        return result

    return asyncio.run(run())


def test_a_run_from_the_committed_offset_is_committed(consumer: Any) -> None:
    consumer._committed_offset[EVENTS] = 40
    assert _offer(consumer, [40, 41, 42]) == 43
    assert consumer.seeks == []


def test_skipped_head_is_not_committed_and_is_read_again(consumer: Any) -> None:
    consumer._committed_offset[EVENTS] = 40
    assert _offer(consumer, [41, 42]) is None  # Faust alone commits 43 here: one message lost
    assert consumer.seeks == [(EVENTS, 40)]


def test_uncommitted_partition_starts_at_the_log_start(consumer: Any) -> None:
    consumer._sessionscope_floors = {EVENTS: 0}
    assert _offer(consumer, [13, 14, 15]) is None  # Faust alone commits 16: 0-12 lost
    assert consumer.seeks == [(EVENTS, 0)]
    assert _offer(consumer, list(range(16))) == 16


def test_no_second_re_read_while_the_first_is_on_its_way(consumer: Any) -> None:
    consumer._committed_offset[EVENTS] = 5
    _offer(consumer, [7])
    _offer(consumer, [7, 8])
    assert consumer.seeks == [(EVENTS, 5)]


def test_gaps_of_a_compacted_topic_count_as_read(consumer: Any) -> None:
    consumer._committed_offset[EVENTS] = 10
    consumer._gap[EVENTS].addi(10, 12)  # offsets 10 and 11 do not exist
    assert _offer(consumer, [12, 13]) == 14
    assert consumer.seeks == []


def test_unknown_start_commits_nothing(consumer: Any) -> None:
    assert _offer(consumer, [3, 4]) is None
    assert consumer.seeks == []
