"""The Claude classifier: one forced tool call per closed session, the rules when anything fails.

Retries are ours, not the SDK's (it is built with max_retries=0): 408/409/429/5xx and
connection errors are retried with exponential backoff and equal jitter, honouring retry-after;
timeouts are not retried, because a second full timeout would hold a worker slot for minutes
while the rules can answer at once. Every failure is counted in FALLBACKS by reason and
answered by the rules with fallback=True, so classify() never raises.

Temperature: the study classified at temperature 0.2. SDK 2.x sends API version 2026-10-21,
which rejects every sampling parameter, and has no temperature argument; so when a temperature
is set we send it as an extra body field and pin the request to API version 2023-06-01, the
version that accepts it. temperature=None sends neither.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import anthropic
import httpx2
from pydantic import SecretStr

from models.classification import Classification, Outcome, WorkMode
from models.classify import rules
from models.classify.claude_schema import INSTRUCTIONS, TOOL, TOOL_NAME, ReplyError, parse_reply
from models.classify.render import SESSION_CHARS, TURN_CHARS, render_session
from models.redact import redact
from models.session import SessionState
from streams import metrics
from streams.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

# Cheapest current model that accepts both a temperature and a forced tool choice (models with
# always-on thinking reject forced tool use); its prices are Settings' defaults.
DEFAULT_MODEL = "claude-haiku-4-5"
SAMPLING_API_VERSION = "2023-06-01"
MAX_TOKENS = 1024  # the reply is one tool call of about 200-400 tokens
CACHE_WRITE_FACTOR, CACHE_READ_FACTOR, BATCH_FACTOR = 1.25, 0.1, 0.5  # of the input / total price
BATCH_MAX_REQUESTS = 5000  # ~40 kB a request keeps a batch well under the 256 MB limit


class ClaudeConfigError(ValueError):
    """The Claude classifier cannot be built from this configuration."""


class _Failure(Exception):
    """A failed classification with a known reason (the FALLBACKS label)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def _reason(exc: BaseException) -> str:
    if isinstance(exc, _Failure):
        return exc.reason
    if isinstance(exc, ReplyError):
        return "invalid"
    if isinstance(exc, anthropic.APITimeoutError | TimeoutError):
        return "timeout"
    if isinstance(exc, anthropic.APIConnectionError):
        return "connection"
    if isinstance(exc, anthropic.RateLimitError):
        return "rate_limited"
    if isinstance(exc, anthropic.AuthenticationError | anthropic.PermissionDeniedError):
        return "auth"
    if isinstance(exc, anthropic.APIStatusError):
        return "server_error" if exc.status_code >= 500 else "client_error"
    return "unexpected"


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


@dataclass(frozen=True)
class ClaudeOptions:
    """Everything the classifier is configured with; from_settings maps Settings onto it."""

    api_key: SecretStr | None = field(default=None, repr=False)
    model: str = DEFAULT_MODEL
    temperature: float | None = 0.2
    base_url: str | None = None
    max_concurrency: int = 8
    timeout_s: float = 60.0
    max_retries: int = 4
    backoff_base_s: float = 1.0
    backoff_max_s: float = 30.0
    use_batches: bool = False
    batch_poll_s: float = 15.0
    batch_poll_max_s: float = 300.0
    batch_deadline_s: float = 26 * 3600.0  # batches end within 24 h; past this we give up on one
    input_usd_per_mtok: float = 1.0
    output_usd_per_mtok: float = 5.0
    turn_chars: int = TURN_CHARS
    session_chars: int = SESSION_CHARS
    max_tokens: int = MAX_TOKENS

    @classmethod
    def from_settings(cls, s: Settings) -> ClaudeOptions:
        return cls(
            api_key=s.anthropic_api_key, model=s.claude_model, temperature=s.claude_temperature,
            base_url=s.anthropic_base_url, max_concurrency=s.claude_max_concurrency, timeout_s=s.claude_timeout_s,
            max_retries=s.claude_max_retries, use_batches=s.claude_use_batches,
            input_usd_per_mtok=s.claude_input_usd_per_mtok, output_usd_per_mtok=s.claude_output_usd_per_mtok,
            turn_chars=s.turn_chars, session_chars=s.session_chars,
        )  # fmt: skip


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
        headers = {"anthropic-version": SAMPLING_API_VERSION} if opts.temperature is not None else None
        self._client = anthropic.AsyncAnthropic(
            api_key=opts.api_key.get_secret_value(),
            base_url=opts.base_url or "https://api.anthropic.com",  # explicit: Settings is the only env reader
            timeout=opts.timeout_s,
            max_retries=0,
            default_headers=headers,
            http_client=http_client,
        )

    def __repr__(self) -> str:  # never the key
        o = self.options
        return f"ClaudeClassifier(model={o.model!r}, max_concurrency={o.max_concurrency}, batches={o.use_batches})"

    async def aclose(self) -> None:
        await self._client.close()

    # -- one session -------------------------------------------------------------------------
    async def classify(self, state: SessionState) -> Classification:
        """All facets of one closed session; the rules' answer (fallback=True) on any failure."""
        started = time.perf_counter()
        try:
            body = self.request_body(state)
            async with self._sem:
                message = await self._retrying(lambda: self._client.messages.create(**self._sdk_args(body)))
            return self._from_message(message, batch=False)
        except Exception as exc:  # never raise: any failure is answered by the rules
            return self._fallback(state, exc)
        finally:
            metrics.CLASSIFY_SECONDS.labels(backend="claude").observe(time.perf_counter() - started)

    def request_body(self, state: SessionState) -> dict[str, Any]:
        """The Messages API body for one session (also the params of a batch request)."""
        body: dict[str, Any] = {
            "model": self.options.model,
            "max_tokens": self.options.max_tokens,
            # the fixed instructions and the tool come first in the prompt and never change: cache them
            "system": [{"type": "text", "text": INSTRUCTIONS, "cache_control": {"type": "ephemeral"}}],
            "tools": [TOOL],
            "tool_choice": {"type": "tool", "name": TOOL_NAME, "disable_parallel_tool_use": True},
            "messages": [
                {
                    "role": "user",
                    "content": render_session(
                        state, turn_chars=self.options.turn_chars, session_chars=self.options.session_chars
                    ),
                }
            ],
        }
        if self.options.temperature is not None:
            body["temperature"] = self.options.temperature
        return body

    @staticmethod
    def _sdk_args(body: dict[str, Any]) -> dict[str, Any]:
        args = {k: v for k, v in body.items() if k != "temperature"}
        if "temperature" in body:
            args["extra_body"] = {"temperature": body["temperature"]}  # SDK 2.x has no temperature argument
        return args

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        attempt = 0
        while True:
            try:
                async with asyncio.timeout(self.options.timeout_s):  # a hard bound: httpx timeouts are per read
                    result = await call()
                metrics.CLAUDE_REQUESTS.labels(result="ok").inc()
                return result
            except Exception as exc:
                metrics.CLAUDE_REQUESTS.labels(result=_reason(exc)).inc()
                if not _retryable(exc) or attempt >= self.options.max_retries:
                    raise
                delay = self._backoff(attempt, _retry_after(exc))
            await asyncio.sleep(delay)
            attempt += 1

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        cap = min(self.options.backoff_max_s, self.options.backoff_base_s * 2**attempt)
        delay = cap / 2 + self._rng.uniform(0, cap / 2)  # equal jitter: spread out, never zero
        return max(delay, min(retry_after, self.options.backoff_max_s)) if retry_after else delay

    def _from_message(self, message: anthropic.types.Message, *, batch: bool) -> Classification:
        self._count_usage(message.usage, batch=batch)
        if message.stop_reason == "max_tokens":
            raise _Failure("malformed", "the reply was cut off at max_tokens")
        for block in message.content:
            if block.type == "tool_use" and block.name == TOOL_NAME:
                return parse_reply(block.input)
        kinds = ", ".join(b.type for b in message.content) or "nothing"
        raise _Failure("malformed", f"the reply holds {kinds}, not a {TOOL_NAME} tool call")

    def _count_usage(self, usage: anthropic.types.Usage, *, batch: bool) -> None:
        cache_read = usage.cache_read_input_tokens or 0
        cache_write = usage.cache_creation_input_tokens or 0
        for kind, n in (
            ("input", usage.input_tokens), ("output", usage.output_tokens),
            ("cache_read", cache_read), ("cache_creation", cache_write),
        ):  # fmt: skip
            metrics.CLAUDE_TOKENS.labels(kind=kind).inc(n)
        weighted_input = usage.input_tokens + cache_write * CACHE_WRITE_FACTOR + cache_read * CACHE_READ_FACTOR
        cost = (
            weighted_input * self.options.input_usd_per_mtok + usage.output_tokens * self.options.output_usd_per_mtok
        ) / 1e6
        metrics.CLAUDE_COST.inc(cost * (BATCH_FACTOR if batch else 1.0))

    def _fallback(self, state: SessionState, exc: BaseException) -> Classification:
        reason = _reason(exc)
        metrics.FALLBACKS.labels(reason=reason).inc()
        log.warning("Claude classification of session %s fell back to the rules (%s): %s",
                    redact(state.session_id), reason, self._describe(exc))  # fmt: skip
        try:
            answer = (self._rules or rules.classify)(state)
        except Exception:  # the last resort: a session that is counted but excluded from every rate
            log.exception("the rule classifier failed on session %s", redact(state.session_id))
            metrics.FALLBACKS.labels(reason="rules_error").inc()
            return Classification(work_mode=WorkMode.UNDERSTAND, outcome=Outcome.NO_CLEAR_GOAL, success_signal=0,
                                  failure_signal=0, backend="none", fallback=True)  # fmt: skip
        return answer.model_copy(update={"fallback": True, "backend": "rules"})

    def _describe(self, exc: BaseException) -> str:
        """What went wrong, for the log: status, error type and request id, scrubbed of the key."""
        if isinstance(exc, anthropic.APIStatusError):
            body = exc.body if isinstance(exc.body, dict) else {}
            error = body.get("error")
            kind = error.get("type", "") if isinstance(error, dict) else ""
            text = f"HTTP {exc.status_code} {kind} request-id={exc.request_id}"
        else:
            text = f"{type(exc).__name__}: {str(exc)[:300]}"
        return redact(text.replace(self._secret.get_secret_value(), "***"))

    # -- many sessions (backfills) ---------------------------------------------------------------
    async def classify_many(self, states: Sequence[SessionState]) -> list[Classification]:
        """Classifications in the order of states: the Message Batches API when use_batches, else one
        call each (bounded by max_concurrency). Every item that fails falls back on its own."""
        if not self.options.use_batches:
            return list(await asyncio.gather(*(self.classify(s) for s in states)))
        out: list[Classification | None] = [None] * len(states)
        chunks = [range(i, min(i + BATCH_MAX_REQUESTS, len(states))) for i in range(0, len(states), BATCH_MAX_REQUESTS)]
        await asyncio.gather(*(self._run_batch(states, chunk, out) for chunk in chunks))
        return [c if c is not None else self._fallback(states[i], _Failure("batch_missing", "no result"))
                for i, c in enumerate(out)]  # fmt: skip

    async def _run_batch(self, states: Sequence[SessionState], chunk: range, out: list[Classification | None]) -> None:
        requests: list[dict[str, Any]] = []
        for i in chunk:
            try:
                requests.append({"custom_id": f"s{i}", "params": self.request_body(states[i])})
            except Exception as exc:
                out[i] = self._fallback(states[i], exc)
        if not requests:
            return
        started = time.perf_counter()
        try:
            batches = self._client.messages.batches
            batch = await self._retrying(lambda: batches.create(requests=requests))  # type: ignore[arg-type]
            log.info("Claude batch %s created with %d sessions", batch.id, len(requests))
            batch = await self._wait(batch)
            results = await self._retrying(lambda: batches.results(batch.id))
            async for item in results:
                i = int(item.custom_id[1:]) if item.custom_id[1:].isdigit() else -1
                if i in chunk and out[i] is None:
                    out[i] = self._from_batch_item(states[i], item)
        except Exception as exc:
            for i in chunk:
                if out[i] is None:
                    out[i] = self._fallback(states[i], exc)
        finally:
            metrics.CLASSIFY_SECONDS.labels(backend="claude_batch").observe(time.perf_counter() - started)

    async def _wait(self, batch: anthropic.types.messages.MessageBatch) -> anthropic.types.messages.MessageBatch:
        delay, deadline = self.options.batch_poll_s, time.monotonic() + self.options.batch_deadline_s
        while batch.processing_status != "ended":
            if time.monotonic() > deadline:
                with contextlib.suppress(Exception):
                    await self._client.messages.batches.cancel(batch.id)
                raise _Failure("batch_timeout", f"batch {batch.id} did not end in {self.options.batch_deadline_s:.0f}s")
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.options.batch_poll_max_s)
            batch = await self._retrying(functools.partial(self._client.messages.batches.retrieve, batch.id))
        return batch

    def _from_batch_item(
        self, state: SessionState, item: anthropic.types.messages.MessageBatchIndividualResponse
    ) -> Classification:
        result = item.result
        metrics.CLAUDE_REQUESTS.labels(result=f"batch_{result.type}").inc()
        try:
            if result.type == "succeeded":
                return self._from_message(result.message, batch=True)
            detail = result.error.error.type if result.type == "errored" else result.type
            raise _Failure(f"batch_{result.type}", f"batch item {item.custom_id}: {detail}")
        except Exception as exc:
            return self._fallback(state, exc)
