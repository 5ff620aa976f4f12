"""Table access under the right partition, for agents that process batches from many partitions.

Faust derives a table write's changelog partition (and, with the rocksdb store, the partition
database it reads and writes) from the stream's current event. The agents here take a batch of
messages from several partitions and write each changed key once per batch, so every access
runs with the current event set to an event of the key's own partition. Faust exposes no public
setter for this; ``_current_event`` is what its streams set for each event they yield.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from faust.streams import _current_event


@contextmanager
def on_partition_of(event: Any) -> Iterator[None]:
    token = _current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        _current_event.reset(token)


def get(table: Any, anchor: Any, key: str) -> Any:
    with on_partition_of(anchor):
        return table.get(key)


def put(table: Any, anchor: Any, key: str, value: Any) -> None:
    with on_partition_of(anchor):
        table[key] = value


def delete(table: Any, anchor: Any, key: str) -> None:
    with on_partition_of(anchor):
        table.pop(key, None)
