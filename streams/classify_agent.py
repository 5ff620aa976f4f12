"""The classify agent: closed sessions in, one classified record per session revision out."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from typing import Any

import orjson

from models.decode import Rejection
from models.records import classified_record
from models.session import SessionState
from streams.app import Pipeline
from streams.classifier import Classifier
from streams.fence import Claim

log = logging.getLogger(__name__)


class ClassifyAgent:
    def __init__(self, pipeline: Pipeline, classifier: Classifier) -> None:
        self.pipeline = pipeline
        self.classifier = classifier
        # the Claude backend bounds its own concurrency; this bounds the records held in memory
        self.limit = asyncio.Semaphore(max(pipeline.settings.claude_max_concurrency, 1) * 4)

    async def process(self, batch: list[Any], claim: Claim | None = None) -> None:
        # stateless: a batch overtaken by a rebalance only sends records again, which are upserted
        jobs = [self._one(event.message) for event in batch]
        records = await asyncio.gather(*jobs)
        pending = []
        for record in records:
            if record is not None:
                sent = await self.pipeline.topics.classified.send(key=record["session_id"].encode(),
                                                                  value=orjson.dumps(record))
                if inspect.isawaitable(sent):
                    pending.append(sent)
        # the batch is acknowledged only once the broker has every record: a failed send raises
        # here, where Faust's commit (which waits for sends to finish, failed or not) would not
        await asyncio.gather(*pending)

    async def _one(self, msg: Any) -> dict[str, Any] | None:
        try:
            doc = orjson.loads(msg.value)
            state = SessionState.from_dict(doc["session"])
        except Exception as exc:  # a record we did not write, or a schema change: keep it, move on
            await self.pipeline.dead_letters.send("classify",
                              Rejection("bad_closed_record", f"unreadable closed-session record: {exc!r}",
                                        msg.value or b""), key=msg.key)
            return None
        async with self.limit:
            classification = await self.classifier.classify(state)
        return classified_record(state, classification, close_reason=doc.get("close_reason", "unknown"),
                                 closed_at=doc.get("closed_at", time.time()), classified_at=time.time())
