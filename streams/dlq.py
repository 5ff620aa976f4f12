"""The dead-letter topic: refused bytes with the reason in headers, so nothing is lost silently."""

from __future__ import annotations

import logging
from typing import Any

from models.decode import Rejection
from models.privacy import TextPolicy, apply_payload_policy
from streams.metrics import DEAD_LETTERS

log = logging.getLogger(__name__)


class DeadLetters:
    def __init__(self, topic: Any, policy: TextPolicy = "keep") -> None:
        self.topic = topic
        self.policy = policy  # transcript text in refused payloads is redacted or dropped too

    async def send(self, stage: str, rejection: Rejection, *, key: bytes | str | None = None,
                   source: str = "") -> None:
        """Send one refused record; a failure to send is logged, never raised into the agent."""
        DEAD_LETTERS.labels(stage=stage, reason=rejection.reason).inc()
        headers = {
            "sessionscope-stage": stage.encode(),
            "sessionscope-reason": rejection.reason.encode(),
            "sessionscope-detail": rejection.detail[:1000].encode("utf-8", "replace"),
            "sessionscope-source": source.encode(),
            "sessionscope-text": self.policy.encode(),
        }
        try:
            await self.topic.send(key=key.encode() if isinstance(key, str) else key,
                                  value=apply_payload_policy(rejection.payload, self.policy), headers=headers)
        except Exception:  # the DLQ must never take the agent down
            log.exception("could not write to the dead-letter topic (%s: %s)", rejection.reason, rejection.detail)
