"""The verdict: every session classified, counted once in every window, with its true structure."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer

from models.windows import parse_windows

STRUCTURE_KEYS = ("turns", "actions", "lines_added", "lines_removed", "commits", "pull_requests", "test_runs",
                  "test_passes", "test_failures", "errors", "user_corrections", "duration_s", "events")


async def _read_all(bootstrap: str, topic: str) -> list[Any]:
    """Every record of a topic up to its current end."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                enable_auto_commit=False, group_id=None)
    await consumer.start()
    try:
        while not consumer.assignment():
            await consumer.getmany(timeout_ms=200)
        ends = await consumer.end_offsets(list(consumer.assignment()))
        for tp in ends:
            consumer.seek(tp, 0)
        records: list[Any] = []
        while [tp for tp, end in ends.items() if await consumer.position(tp) < end]:
            for msgs in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(msgs)
        return records
    finally:
        await consumer.stop()


def read_all(bootstrap: str, topic: str) -> list[Any]:
    return asyncio.run(_read_all(bootstrap, topic))


def final_revisions(records: list[Any]) -> dict[str, dict[str, Any]]:
    """The highest revision of each session (what an upserting consumer keeps)."""
    final: dict[str, dict[str, Any]] = {}
    for r in records:
        doc = orjson.loads(r.value)
        if doc["session_id"] not in final or doc["rev"] >= final[doc["session_id"]]["rev"]:
            final[doc["session_id"]] = doc
    return final


def expected_in_windows(final: dict[str, dict[str, Any]], windows: str, ends: dict[str, float]) -> dict[str, int]:
    """How many sessions each exported window must count, from the final revisions' end times."""
    out = {}
    for spec in parse_windows(windows):
        if spec.name in ends:
            end = int(ends[spec.name])
            out[spec.name] = sum(1 for d in final.values() if end - spec.size_s <= spec.bucket(d["end_ts"]) < end)
    return out


@dataclass
class Verdict:
    expected: int
    classified: int = 0
    lost: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)  # final revision's structure differs from the truth
    records: int = 0  # records on sessions-classified (revisions and replays included)
    reopened: int = 0  # sessions whose final revision is > 1 (a late event corrected them)
    windows: dict[str, tuple[float, int]] = field(default_factory=dict)  # window -> (gauges summed, expected)

    @property
    def ok(self) -> bool:
        return (not self.lost and not self.wrong and self.classified == self.expected
                and all(got == want for got, want in self.windows.values()) and "24h" in self.windows)


def judge(truth: dict[str, Any | None], final: dict[str, dict[str, Any]], records: int) -> Verdict:
    v = Verdict(expected=len(truth), classified=len(final.keys() & truth.keys()), records=records)
    v.lost = sorted(truth.keys() - final.keys())
    for sid, session in truth.items():
        doc = final.get(sid)
        if doc is not None and session is not None and any(
                abs(doc["structure"][k] - _truth(session, k)) > 1e-6 for k in STRUCTURE_KEYS):
            v.wrong.append(sid)
    v.reopened = sum(1 for sid in truth if sid in final and final[sid]["rev"] > 1)
    return v


def _truth(session: Any, key: str) -> Any:
    return len(session.events) if key == "events" else session.truth[key]
