"""Backfills through the Message Batches API: chunks of requests, polling until a batch ends, and
results matched back to their sessions by custom_id. Every item that fails falls back on its own."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import anthropic

from models.classification import Classification
from models.session import SessionState
from streams import metrics
from streams.claude_reply import ClassifyFailure, read_reply
from streams.claude_request import request_body

if TYPE_CHECKING:
    from streams.claude_classifier import ClaudeClassifier

log = logging.getLogger("streams.claude_classifier")  # one logger for the classifier, whichever path
BATCH_MAX_REQUESTS = 5000  # ~40 kB a request keeps a batch well under the 256 MB limit


async def classify_in_batches(clf: ClaudeClassifier, states: Sequence[SessionState]) -> list[Classification]:
    """Classifications in the order of states, through batches of at most BATCH_MAX_REQUESTS."""
    out: list[Classification | None] = [None] * len(states)
    chunks = [range(i, min(i + BATCH_MAX_REQUESTS, len(states))) for i in range(0, len(states), BATCH_MAX_REQUESTS)]
    await asyncio.gather(*(_run_batch(clf, states, chunk, out) for chunk in chunks))
    return [c if c is not None else clf.fallback(states[i], ClassifyFailure("batch_missing", "no result"))
            for i, c in enumerate(out)]  # fmt: skip


async def _run_batch(
    clf: ClaudeClassifier, states: Sequence[SessionState], chunk: range, out: list[Classification | None]
) -> None:
    requests: list[dict[str, Any]] = []
    for i in chunk:
        try:
            requests.append({"custom_id": f"s{i}", "params": request_body(clf.options, states[i])})
        except Exception as exc:
            out[i] = clf.fallback(states[i], exc)
    if not requests:
        return
    started = time.perf_counter()
    try:
        batches = clf.client.messages.batches
        batch = await clf.retrying(lambda: batches.create(requests=requests))  # type: ignore[arg-type]
        log.info("Claude batch %s created with %d sessions", batch.id, len(requests))
        batch = await _wait(clf, batch)
        results = await clf.retrying(lambda: batches.results(batch.id))
        async for item in results:
            i = int(item.custom_id[1:]) if item.custom_id[1:].isdigit() else -1
            if i in chunk and out[i] is None:
                out[i] = _from_batch_item(clf, states[i], item)
    except Exception as exc:
        for i in chunk:
            if out[i] is None:
                out[i] = clf.fallback(states[i], exc)
    finally:
        metrics.CLASSIFY_SECONDS.labels(backend="claude_batch").observe(time.perf_counter() - started)


async def _wait(
    clf: ClaudeClassifier, batch: anthropic.types.messages.MessageBatch
) -> anthropic.types.messages.MessageBatch:
    opts = clf.options
    delay, deadline = opts.batch_poll_s, time.monotonic() + opts.batch_deadline_s
    while batch.processing_status != "ended":
        if time.monotonic() > deadline:
            with contextlib.suppress(Exception):
                await clf.client.messages.batches.cancel(batch.id)
            raise ClassifyFailure("batch_timeout", f"batch {batch.id} did not end in {opts.batch_deadline_s:.0f}s")
        await asyncio.sleep(delay)
        delay = min(delay * 2, opts.batch_poll_max_s)
        batch = await clf.retrying(functools.partial(clf.client.messages.batches.retrieve, batch.id))
    return batch


def _from_batch_item(
    clf: ClaudeClassifier, state: SessionState, item: anthropic.types.messages.MessageBatchIndividualResponse
) -> Classification:
    result = item.result
    metrics.CLAUDE_REQUESTS.labels(result=f"batch_{result.type}").inc()
    try:
        if result.type == "succeeded":
            return read_reply(result.message, clf.options, batch=True)
        detail = result.error.error.type if result.type == "errored" else result.type
        raise ClassifyFailure(f"batch_{result.type}", f"batch item {item.custom_id}: {detail}")
    except Exception as exc:
        return clf.fallback(state, exc)
