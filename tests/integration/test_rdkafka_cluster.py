"""The restartable cluster of the chaos run: a broker taken down refuses clients, and comes back
with its log and the group's committed offsets."""

from __future__ import annotations

import asyncio
import socket

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from streams.broker import BrokerError
from streams.chaos.rdkafka_cluster import RdkafkaCluster
from tests.support import produce

pytestmark = pytest.mark.integration


def _connects(bootstrap: str) -> bool:
    host, port = bootstrap.split(",")[0].rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=2) as s:
            s.settimeout(1)
            # a broker that is down may accept and then drop: only a reply to a request counts
            s.sendall(b"\x00\x00\x00\x0b\x00\x12\x00\x00\x00\x00\x00\x01\x00\x01x")  # ApiVersions v0, client "x"
            return len(s.recv(4)) == 4
    except OSError:
        return False


async def _read(bootstrap: str, tp: TopicPartition, group: str, n: int, commit: bool) -> tuple[list[bytes], int | None]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    try:
        consumer.assign([tp])
        committed = await consumer.committed(tp)
        values: list[bytes] = []
        while len(values) < n:
            batch = await consumer.getmany(tp, timeout_ms=5000)
            values += [r.value for r in batch.get(tp, [])]
        if commit:
            await consumer.commit({tp: 5})
        return values, committed
    finally:
        await consumer.stop()


def test_a_broker_taken_down_refuses_clients_and_comes_back_with_its_data(tmp_path):
    cluster = RdkafkaCluster({"t": 1}, log_path=tmp_path / "cluster.log").start()
    try:
        tp = TopicPartition("t", 0)
        asyncio.run(produce(cluster.bootstrap, "t", [(None, b"v%d" % i) for i in range(10)]))
        values, committed = asyncio.run(_read(cluster.bootstrap, tp, "g", 10, commit=True))
        assert values == [b"v%d" % i for i in range(10)] and committed is None
        assert _connects(cluster.bootstrap)

        cluster.down()
        assert not _connects(cluster.bootstrap)
        cluster.up()

        assert _connects(cluster.bootstrap)
        values, committed = asyncio.run(_read(cluster.bootstrap, tp, "g", 5, commit=False))
        assert committed == 5 and values == [b"v%d" % i for i in range(5, 10)]  # resumes where the group was
    finally:
        cluster.stop()


def test_a_bad_command_is_an_error_not_a_hang(tmp_path):
    cluster = RdkafkaCluster({"t": 1}, log_path=tmp_path / "cluster.log").start()
    try:
        with pytest.raises(BrokerError, match="down 7"):
            cluster.down(7)  # no such broker
    finally:
        cluster.stop()
    assert cluster.process is None
