"""The dead-letter topic: refused bytes with the reason in headers, so nothing is lost silently."""

from __future__ import annotations

import logging
from typing import Any

from models.decode import Rejection
from streams.metrics import DEAD_LETTERS

log = logging.getLogger(__name__)


async def dead_letter(topic: Any, stage: str, rejection: Rejection, *, key: bytes | str | None = None,
                      source: str = "") -> None:
    """Send one refused record; a failure to send is logged, never raised into the agent."""
    DEAD_LETTERS.labels(stage=stage, reason=rejection.reason).inc()
    headers = {
        "sessionscope-stage": stage.encode(),
        "sessionscope-reason": rejection.reason.encode(),
        "sessionscope-detail": rejection.detail[:1000].encode("utf-8", "replace"),
        "sessionscope-source": source.encode(),
    }
    try:
        await topic.send(key=key if isinstance(key, str) or key is None else key.decode("utf-8", "replace"),
                         value=rejection.payload, headers=headers)
    except Exception:  # the DLQ must never take the agent down
        log.exception("could not write to the dead-letter topic (%s: %s)", rejection.reason, rejection.detail)
