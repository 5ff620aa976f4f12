"""`sessionscope worker` as the chaos run starts it on librdkafka's test cluster.

That cluster's consumer groups differ from Kafka's in one place: once the leader's SyncGroup has
handed out every member's assignment the group is up, and a follower whose own SyncGroup arrives
after it gets INVALID_REQUEST instead of its assignment. aiokafka has no case for that error and
stops coordinating, so the worker would wait forever for partitions. Here, and only here, that
error means what Kafka would have said: rejoin (aiokafka has already asked for the rejoin).
"""

from __future__ import annotations

import sys
from typing import Any

from aiokafka import errors
from aiokafka.consumer.group_coordinator import CoordinatorGroupRebalance

from streams.cli import main

_sync = CoordinatorGroupRebalance._send_sync_group_request


async def _sync_or_rejoin(self: CoordinatorGroupRebalance, request: Any) -> Any:
    try:
        return await _sync(self, request)
    except errors.KafkaError as exc:
        if "InvalidRequestError" not in str(exc):  # aiokafka wraps the broker's error in its repr
            raise
        return None  # no assignment: aiokafka joins again


if __name__ == "__main__":
    CoordinatorGroupRebalance._send_sync_group_request = _sync_or_rejoin
    sys.exit(main(sys.argv[1:]))
