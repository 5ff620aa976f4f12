"""What the Claude classifier sends: its options, the Messages API body of one session, and the client.

Temperature: the study classified at temperature 0.2. SDK 2.x sends API version 2026-10-21,
which rejects every sampling parameter, and has no temperature argument; so when a temperature
is set we send it as an extra body field and pin the request to API version 2023-06-01, the
version that accepts it. temperature=None sends neither.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import anthropic
import httpx2
from pydantic import SecretStr

from models.classify.claude_schema import INSTRUCTIONS, TOOL, TOOL_NAME
from models.classify.render import SESSION_CHARS, TURN_CHARS, render_session
from models.session import SessionState
from streams.settings import Settings

# Cheapest current model that accepts both a temperature and a forced tool choice (models with
# always-on thinking reject forced tool use); its prices are Settings' defaults.
DEFAULT_MODEL = "claude-haiku-4-5"
SAMPLING_API_VERSION = "2023-06-01"
MAX_TOKENS = 1024  # the reply is one tool call of about 200-400 tokens


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


def new_client(
    opts: ClaudeOptions, api_key: SecretStr, http_client: httpx2.AsyncClient | None
) -> anthropic.AsyncAnthropic:
    headers = {"anthropic-version": SAMPLING_API_VERSION} if opts.temperature is not None else None
    return anthropic.AsyncAnthropic(
        api_key=api_key.get_secret_value(),
        base_url=opts.base_url or "https://api.anthropic.com",  # explicit: Settings is the only env reader
        timeout=opts.timeout_s,
        max_retries=0,  # the classifier retries itself, see streams.claude_classifier
        default_headers=headers,
        http_client=http_client,
    )


def request_body(opts: ClaudeOptions, state: SessionState) -> dict[str, Any]:
    """The Messages API body for one session (also the params of a batch request)."""
    body: dict[str, Any] = {
        "model": opts.model,
        "max_tokens": opts.max_tokens,
        # the fixed instructions and the tool come first in the prompt and never change: cache them
        "system": [{"type": "text", "text": INSTRUCTIONS, "cache_control": {"type": "ephemeral"}}],
        "tools": [TOOL],
        "tool_choice": {"type": "tool", "name": TOOL_NAME, "disable_parallel_tool_use": True},
        "messages": [
            {
                "role": "user",
                "content": render_session(state, turn_chars=opts.turn_chars, session_chars=opts.session_chars),
            }
        ],
    }
    if opts.temperature is not None:
        body["temperature"] = opts.temperature
    return body


def sdk_args(body: dict[str, Any]) -> dict[str, Any]:
    """The body as arguments of messages.create."""
    args = {k: v for k, v in body.items() if k != "temperature"}
    if "temperature" in body:
        args["extra_body"] = {"temperature": body["temperature"]}  # SDK 2.x has no temperature argument
    return args
