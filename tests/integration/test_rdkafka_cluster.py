"""The restartable cluster of the chaos run: a broker taken down refuses clients, and comes back
with its log and the group's committed offsets."""

from __future__ import annotations

import asyncio
import socket

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from streams.broker import BrokerError
from streams.chaos.rdkafka_cluster import RdkafkaCluster
from streams.settings import Settings
from streams.topics import full_topic_plan
from tests.support import WorkerProcess, produce

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


def test_with_three_brokers_clients_follow_leadership_while_one_broker_is_down(tmp_path):
    cluster = RdkafkaCluster({"t": 1}, brokers=3, groups=["g"], log_path=tmp_path / "cluster.log").start()
    try:
        tp = TopicPartition("t", 0)
        asyncio.run(produce(cluster.bootstrap, "t", [(None, b"v%d" % i) for i in range(5)]))
        cluster.lead(2)  # as a controlled shutdown of broker 1 would
        cluster.down(1)
        assert not _connects(cluster.bootstrap)  # the first bootstrap address is broker 1's
        asyncio.run(produce(cluster.bootstrap, "t", [(None, b"v%d" % i) for i in range(5, 10)]))
        values, _ = asyncio.run(_read(cluster.bootstrap, tp, "g", 10, commit=True))
        assert values == [b"v%d" % i for i in range(10)]
        cluster.up(1)
        values, committed = asyncio.run(_read(cluster.bootstrap, tp, "g", 5, commit=False))
        assert committed == 5 and values == [b"v%d" % i for i in range(5, 10)]
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


SYNC_GROUP, INVALID_REQUEST = 14, 42


def test_a_worker_whose_group_coordination_fails_exits_and_a_restart_joins_again(tmp_path):
    cluster = RdkafkaCluster(full_topic_plan(Settings(app_id="watch", partitions=2)),
                             log_path=tmp_path / "cluster.log").start()
    env = {"SESSIONSCOPE_APP_ID": "watch", "SESSIONSCOPE_PARTITIONS": "2", "SESSIONSCOPE_DECLARE_TOPICS": "false"}
    workers = [WorkerProcess(cluster.url, tmp_path / name, env) for name in ("first", "second")]
    try:
        # an error aiokafka has no case for: it waits for the application to fetch it, which Faust without
        # partitions never does
        cluster.fail_next(SYNC_GROUP, INVALID_REQUEST)
        first, second = workers
        first.workdir.mkdir()
        with pytest.raises(AssertionError, match="worker exited"):
            first.start(ready_timeout=60)
        assert first.process is not None and first.process.returncode != 0
        assert "consumer group coordination failed" in first.log()

        second.workdir.mkdir()
        second.start(ready_timeout=60)
        second.stop()
        assert second.process is not None and second.process.returncode == 0
    finally:
        for w in workers:
            w.stop()
        cluster.stop()
