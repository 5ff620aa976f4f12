"""True end offsets of changelog partitions for Faust's table recovery.

Faust recovers a table by reading its changelog up to the end offset the broker reports. The
embedded broker (Tansu 0.6.0) reports the base offset of the last record batch + 1, so when the
last batch holds several records the recovery stops before them: table updates are lost, or the
next recovery fails its consistency check. Rather than write one record per batch (which cost a
produce request per table write), each reported end is checked by reading the batch just before
it, and on to the last record there is (the broker's S3 storage lags further behind); an end
reported as 0 (seen for single-partition changelogs holding hundreds of records) is checked by
reading from the start. On a broker that reports ends correctly the check finds the same value,
at the cost of a small fetch per changelog partition and ~0.3-0.6 s per recovery.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

log = logging.getLogger(__name__)
_MARK = "_sessionscope"
PROBE_TIMEOUT_S = 30.0  # a recovery that trusts a wrong end loses table updates: wait long for the truth
ROUND_S = 0.3  # a fetch that brings nothing for this long: the partition's end is reached


async def true_ends(make_consumer: Callable[[], AIOKafkaConsumer], reported: Mapping[Any, int | None],
                    timeout: float = PROBE_TIMEOUT_S) -> dict[Any, int | None]:
    """Each partition's end offset, moved past the last record found from the reported end - 1 on
    (from the start of the log where the reported end is 0 or unknown).
    `make_consumer` gives a consumer outside any group (with the worker's connection settings)."""
    ends = dict(reported)
    if not reported:
        return ends
    probe = make_consumer()
    await probe.start()
    try:
        by_plain = {TopicPartition(tp.topic, tp.partition): tp for tp in reported}
        probe.assign(list(by_plain))
        for plain, tp in by_plain.items():
            end = reported[tp]
            if end:
                probe.seek(plain, end - 1)  # a record is there: read on until nothing more comes
            else:
                await probe.seek_to_beginning(plain)  # reported empty: the broker may be wrong
        seen: set[TopicPartition] = set()
        empty_rounds: dict[TopicPartition, int] = {}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        # read on until a fetch brings nothing more: a broker may lag by more than one batch
        while by_plain and loop.time() < deadline:
            wait_ms = int(1000 * min(ROUND_S, max(0.0, deadline - loop.time())))
            fetched = await probe.getmany(*by_plain, timeout_ms=wait_ms)
            for plain in list(by_plain):
                records = fetched.get(plain)
                tp = by_plain[plain]
                if records:
                    ends[tp] = max(ends[tp] or 0, records[-1].offset + 1)
                    seen.add(plain)
                    continue
                empty_rounds[plain] = empty_rounds.get(plain, 0) + 1
                if plain in seen or (not reported[tp] and empty_rounds[plain] >= 2):
                    del by_plain[plain]
        if by_plain:
            log.warning("end offsets of %s not confirmed within %.0fs; using the reported ones",
                        sorted(map(str, by_plain.values())), timeout)
    finally:
        await probe.stop()
    corrected = {str(tp): (reported[tp], ends[tp]) for tp in reported if ends[tp] != reported[tp]}
    if corrected:
        log.info("end offsets corrected (reported, true): %s", corrected)
    return ends


def apply() -> None:
    """Make Faust's recovery use true end offsets (see the module docstring)."""
    original = AIOKafkaConsumerThread._highwaters
    if getattr(original, _MARK, False):
        return

    async def highwaters(self: Any, partitions: Any) -> Mapping[Any, int]:
        reported = await original(self, partitions)
        if self.consumer.in_transaction:
            return reported
        # Faust's client-mode consumer: no group, same servers, credentials and TLS as the worker's
        return await true_ends(lambda: self._create_client_consumer(self.transport), reported)  # type: ignore[return-value]

    setattr(highwaters, _MARK, True)
    AIOKafkaConsumerThread._highwaters = highwaters  # type: ignore[method-assign]
