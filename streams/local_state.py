"""Local table state (rocksdb store) that is trusted only after a clean stop.

The rocksdb store writes a table value to its local database at once and to the changelog
later, from the producer's buffer. After a kill the local databases can hold writes the
changelog never received; the restarted worker then absorbs the replayed events as duplicates,
writes nothing, and commits, so the changelog lacks those writes for good and a worker that
takes the partitions over later recovers older states. As Kafka Streams does with its checkpoint
file, a marker says the worker is running; it is removed only by a stop that sent every buffered
write, and a worker that finds it at start discards the local databases and recovers them from
the changelogs.
"""

from __future__ import annotations

import atexit
import logging
import shutil
from pathlib import Path
from typing import Any

from streams import faust_fixes

log = logging.getLogger(__name__)


def guard(app: Any, store: str, data_dir: str, app_id: str) -> None:
    if not store.startswith("rocksdb"):
        return  # the memory store is always recovered from the changelogs
    marker = Path(data_dir) / f"{app_id}.running"
    if marker.exists():
        log.warning("the last run did not stop cleanly: discarding local tables under %s and recovering "
                    "them from the changelogs", app.conf.tabledir)
        shutil.rmtree(app.conf.tabledir, ignore_errors=True)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()

    def on_exit() -> None:
        producer = getattr(app, "_producer", None)
        buffer = getattr(producer, "buffer", None)
        if buffer is None or not faust_fixes.unsent_writes(buffer):
            marker.unlink(missing_ok=True)

    atexit.register(on_exit)
