"""What happens to transcript text before it leaves the worker: keep, redact or drop.

Applied to the classifier evidence (which the sessions changelog and the closed-session topic
carry) and to dead-letter payloads. Structure measures and classifications carry no transcript
text, so they are unaffected.
"""

from __future__ import annotations

from typing import Any, Literal

import orjson

from models.redact import redact, redact_value

TextPolicy = Literal["keep", "redact", "drop"]
TEXT_KEYS = frozenset({"text", "output", "message", "prompt", "content", "command", "response", "body"})
DROPPED = "[dropped]"


def apply_text_policy(text: str, policy: TextPolicy) -> str:
    if policy == "keep" or not text:
        return text
    return redact(text) if policy == "redact" else DROPPED


def _drop(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: ({} if k == "input" else _drop(v, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_drop(v, key) for v in value]
    if isinstance(value, str) and key in TEXT_KEYS:
        return DROPPED
    return value


def apply_payload_policy(payload: bytes, policy: TextPolicy) -> bytes:
    """A refused message's bytes under the policy; JSON keeps its shape so ids stay readable."""
    if policy == "keep" or not payload:
        return payload
    try:
        doc = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return redact(payload.decode("utf-8", "replace")).encode() if policy == "redact" else DROPPED.encode()
    return orjson.dumps(redact_value(doc) if policy == "redact" else _drop(doc))
