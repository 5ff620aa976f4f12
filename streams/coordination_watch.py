"""A worker whose consumer-group coordination is stuck exits, instead of running on unnoticed.

On a group error it has no case for (an unexpected SyncGroup or JoinGroup error, a refused
authorization), aiokafka's coordinator hands the error to the application and waits until the
application's next fetch has raised it, rejoining only after that. Faust does not fetch while it
has no partitions, so a worker that hits such an error while joining waits forever, up but never
ready; one that hits it later goes on with the partitions it had while the group, missing its
heartbeats, gives them to other workers. Seen on a broker whose SyncGroup answered
INVALID_REQUEST: the worker never became ready.

Here the app crashes instead: the worker exits non-zero, its supervisor restarts it, and it joins
the group afresh. Nothing is lost: what it had not acknowledged is read again, and the replay is
absorbed by the event ids.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiokafka.consumer.group_coordinator import GroupCoordinator

log = logging.getLogger(__name__)


def apply(app: Any) -> None:
    """Crash `app` when any group coordinator hands an error to the application (from the consumer's thread)."""
    original = GroupCoordinator._push_error_to_user
    original = getattr(original, "__wrapped__", original)  # applied again for another app: wrap the original

    def crash_instead(self: GroupCoordinator, exc: Exception) -> Any:
        log.critical("consumer group coordination failed (%r): stopping the worker so that it is restarted and "
                     "joins the group again", exc)
        asyncio.run_coroutine_threadsafe(app.crash(exc), app.loop)  # Faust's loop, not the consumer's
        return original(self, exc)

    crash_instead.__wrapped__ = original  # type: ignore[attr-defined]
    GroupCoordinator._push_error_to_user = crash_instead
