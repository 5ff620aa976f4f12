"""Table writes with an explicit changelog partition.

Faust derives a table write's changelog partition from the stream's current event. The agents
here process a batch of messages from several partitions at once and write each changed key
once per batch, so they name the partition themselves; it is always the key's source
partition, which keeps the table co-partitioned with its topic.
"""

from __future__ import annotations

from typing import Any


def put(table: Any, partition: int, key: str, value: Any) -> None:
    table.data[key] = value
    table.send_changelog(partition, key, value)


def delete(table: Any, partition: int, key: str) -> None:
    table.data.pop(key, None)
    table.send_changelog(partition, key, None, value_serializer="raw")
