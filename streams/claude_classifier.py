"""The Claude classifier: one forced tool call per closed session, the rules when anything fails.

Retries are ours, not the SDK's (it is built with max_retries=0): 408/409/429/5xx and
connection errors are retried with exponential backoff and equal jitter, honouring retry-after;
timeouts are not retried, because a second full timeout would hold a worker slot for minutes
while the rules can answer at once. Every failure is counted in FALLBACKS by reason and
answered by the rules with fallback=True, so classify() never raises.

What is sent (options, request body, temperature) is in streams.claude_request, how a reply is
read and priced in streams.claude_reply, and the Message Batches path in streams.claude_batches.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any, TypeVar

import anthropic
import httpx2
from pydantic import SecretStr

from models.classification import Classification, Outcome, WorkMode
from models.classify import rules
from models.redact import redact
from models.session import SessionState
from streams import metrics
from streams.claude_batches import classify_in_batches
from streams.claude_reply import describe, failure_reason, read_reply
from streams.claude_request import ClaudeOptions, new_client, request_body, sdk_args
from streams.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")


class ClaudeConfigError(ValueError):
    """The Claude classifier cannot be built from this configuration."""


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, anthropic.APIStatusError):
        return exc.status_code in (408, 409, 429) or exc.status_code >= 500
    return isinstance(exc, anthropic.APIConnectionError) and not isinstance(exc, anthropic.APITimeoutError)


def _retry_after(exc: BaseException) -> float | None:
    if not isinstance(exc, anthropic.APIStatusError):
        return None
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = exc.response.headers.get(name)
        if value is not None:
            with contextlib.suppress(ValueError):  # an HTTP-date is ignored: our backoff applies
                return float(value) / scale
    return None


class ClaudeClassifier:
    """Classifies closed sessions with Claude; see the module docstring for the failure policy.

    ClaudeClassifier(settings) or ClaudeClassifier(api_key=..., model=..., ...): keyword options
    (the fields of ClaudeOptions) override what settings say.
    """

    def __init__(
        self,
        settings: Settings | ClaudeOptions | None = None,
        *,
        http_client: httpx2.AsyncClient | None = None,
        rules_classify: Callable[[SessionState], Classification] | None = None,
        **options: Any,
    ) -> None:
        if isinstance(settings, Settings):
            settings = ClaudeOptions.from_settings(settings)
        if isinstance(options.get("api_key"), str):
            options["api_key"] = SecretStr(options["api_key"])
        self.options = opts = replace(settings or ClaudeOptions(), **options)
        if opts.api_key is None or not opts.api_key.get_secret_value():
            raise ClaudeConfigError(
                "the Claude classifier needs an API key: set SESSIONSCOPE_ANTHROPIC_API_KEY, "
                "or use SESSIONSCOPE_CLASSIFIER=rules"
            )
        self._secret = opts.api_key
        self._rules = rules_classify
        self._sem = asyncio.Semaphore(opts.max_concurrency)
        self._rng = random.Random()
        self.client = new_client(opts, opts.api_key, http_client)

    def __repr__(self) -> str:  # never the key
        o = self.options
        return f"ClaudeClassifier(model={o.model!r}, max_concurrency={o.max_concurrency}, batches={o.use_batches})"

    async def aclose(self) -> None:
        await self.client.close()

    # -- one session -------------------------------------------------------------------------
    async def classify(self, state: SessionState) -> Classification:
        """All facets of one closed session; the rules' answer (fallback=True) on any failure."""
        started = time.perf_counter()
        try:
            body = self.request_body(state)
            async with self._sem:
                message = await self.retrying(lambda: self.client.messages.create(**sdk_args(body)))
            return read_reply(message, self.options, batch=False)
        except Exception as exc:  # never raise: any failure is answered by the rules
            return self.fallback(state, exc)
        finally:
            metrics.CLASSIFY_SECONDS.labels(backend="claude").observe(time.perf_counter() - started)

    def request_body(self, state: SessionState) -> dict[str, Any]:
        """The Messages API body for one session (also the params of a batch request)."""
        return request_body(self.options, state)

    async def retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        """The call's result, retried per the module's policy; counted in CLAUDE_REQUESTS."""
        attempt = 0
        while True:
            try:
                async with asyncio.timeout(self.options.timeout_s):  # a hard bound: httpx timeouts are per read
                    result = await call()
                metrics.CLAUDE_REQUESTS.labels(result="ok").inc()
                return result
            except Exception as exc:
                metrics.CLAUDE_REQUESTS.labels(result=failure_reason(exc)).inc()
                if not _retryable(exc) or attempt >= self.options.max_retries:
                    raise
                delay = self._backoff(attempt, _retry_after(exc))
            await asyncio.sleep(delay)
            attempt += 1

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        cap = min(self.options.backoff_max_s, self.options.backoff_base_s * 2**attempt)
        delay = cap / 2 + self._rng.uniform(0, cap / 2)  # equal jitter: spread out, never zero
        return max(delay, min(retry_after, self.options.backoff_max_s)) if retry_after else delay

    def fallback(self, state: SessionState, exc: BaseException) -> Classification:
        """The rules' answer for a session Claude could not classify, counted and logged by reason."""
        reason = failure_reason(exc)
        metrics.FALLBACKS.labels(reason=reason).inc()
        log.warning("Claude classification of session %s fell back to the rules (%s): %s",
                    redact(state.session_id), reason, describe(exc, self._secret.get_secret_value()))  # fmt: skip
        try:
            answer = (self._rules or rules.classify)(state)
        except Exception:  # the last resort: a session that is counted but excluded from every rate
            log.exception("the rule classifier failed on session %s", redact(state.session_id))
            metrics.FALLBACKS.labels(reason="rules_error").inc()
            return Classification(work_mode=WorkMode.UNDERSTAND, outcome=Outcome.NO_CLEAR_GOAL, success_signal=0,
                                  failure_signal=0, backend="none", fallback=True)  # fmt: skip
        return answer.model_copy(update={"fallback": True, "backend": "rules"})

    # -- many sessions (backfills) ---------------------------------------------------------------
    async def classify_many(self, states: Sequence[SessionState]) -> list[Classification]:
        """Classifications in the order of states: the Message Batches API when use_batches, else one
        call each (bounded by max_concurrency). Every item that fails falls back on its own."""
        if not self.options.use_batches:
            return list(await asyncio.gather(*(self.classify(s) for s in states)))
        return await classify_in_batches(self, states)
