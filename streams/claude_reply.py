"""What comes back from Claude: the classification in a reply, the reply's token cost, and the
reason label (FALLBACKS, CLAUDE_REQUESTS) and log text of a failure."""

from __future__ import annotations

import anthropic

from models.classification import Classification
from models.classify.claude_schema import TOOL_NAME, ReplyError, parse_reply
from models.redact import redact
from streams import metrics
from streams.claude_request import ClaudeOptions

CACHE_WRITE_FACTOR, CACHE_READ_FACTOR, BATCH_FACTOR = 1.25, 0.1, 0.5  # of the input / total price


class ClassifyFailure(Exception):
    """A failed classification with a known reason (the FALLBACKS label)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def failure_reason(exc: BaseException) -> str:
    if isinstance(exc, ClassifyFailure):
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


def describe(exc: BaseException, secret: str) -> str:
    """What went wrong, for the log: status, error type and request id, scrubbed of the key."""
    if isinstance(exc, anthropic.APIStatusError):
        body = exc.body if isinstance(exc.body, dict) else {}
        error = body.get("error")
        kind = error.get("type", "") if isinstance(error, dict) else ""
        text = f"HTTP {exc.status_code} {kind} request-id={exc.request_id}"
    else:
        text = f"{type(exc).__name__}: {str(exc)[:300]}"
    return redact(text.replace(secret, "***"))


def read_reply(message: anthropic.types.Message, opts: ClaudeOptions, *, batch: bool) -> Classification:
    """The classification in a reply, after counting its tokens and cost; raises when it holds none."""
    count_usage(message.usage, opts, batch=batch)
    if message.stop_reason == "max_tokens":
        raise ClassifyFailure("malformed", "the reply was cut off at max_tokens")
    for block in message.content:
        if block.type == "tool_use" and block.name == TOOL_NAME:
            return parse_reply(block.input)
    kinds = ", ".join(b.type for b in message.content) or "nothing"
    raise ClassifyFailure("malformed", f"the reply holds {kinds}, not a {TOOL_NAME} tool call")


def count_usage(usage: anthropic.types.Usage, opts: ClaudeOptions, *, batch: bool) -> None:
    cache_read = usage.cache_read_input_tokens or 0
    cache_write = usage.cache_creation_input_tokens or 0
    for kind, n in (
        ("input", usage.input_tokens), ("output", usage.output_tokens),
        ("cache_read", cache_read), ("cache_creation", cache_write),
    ):  # fmt: skip
        metrics.CLAUDE_TOKENS.labels(kind=kind).inc(n)
    weighted_input = usage.input_tokens + cache_write * CACHE_WRITE_FACTOR + cache_read * CACHE_READ_FACTOR
    cost = (weighted_input * opts.input_usd_per_mtok + usage.output_tokens * opts.output_usd_per_mtok) / 1e6
    metrics.CLAUDE_COST.inc(cost * (BATCH_FACTOR if batch else 1.0))
