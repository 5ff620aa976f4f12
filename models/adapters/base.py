"""What every transcript adapter shares: the result type, problems, stable ids and safe record access.

Adapters are pure: they take lines (str or bytes) and return native events. They never raise on
bad input; a line that cannot be used becomes a `Problem` with its source and line number.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from models.events import Event, to_epoch

AgentName = Literal["claude_code", "codex", "copilot_cli"]
Line = str | bytes
MAX_OUTPUT = 4000  # tool output kept on an event; evidence keeps far less, this bounds message size


@dataclass(frozen=True, slots=True)
class Problem:
    source: str
    line: int  # 1-based
    reason: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.reason}"


@dataclass(slots=True)
class AdapterResult:
    session_id: str
    agent: AgentName
    events: list[Event] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def stable_id(*parts: object) -> str:
    """A short id from content, for records that carry no id of their own."""
    digest = hashlib.blake2b("\x1f".join(str(p) for p in parts).encode(), digest_size=12).hexdigest()
    return f"h:{digest}"


def load_record(line: Line) -> tuple[dict[str, Any] | None, str | None]:
    """(record, None) for a JSON object line; (None, reason) otherwise; (None, None) for a blank line."""
    if not line or (isinstance(line, str) and not line.strip()) or (isinstance(line, bytes) and not line.strip()):
        return None, None
    try:
        doc = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return None, f"not JSON: {str(exc)[:120]}"
    if not isinstance(doc, dict):
        return None, f"expected a JSON object, got {type(doc).__name__}"
    return doc, None


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def as_count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def epoch_or_none(value: Any) -> float | None:
    if value is None:
        return None
    try:
        ts = to_epoch(value)
    except (ValueError, OverflowError, OSError):
        return None
    return ts if ts == ts and 0 < ts < 1e11 else None  # NaN and absurd values are no time at all


def first_ts(lines: Sequence[Line], keys: Iterable[str] = ("timestamp",)) -> float | None:
    """The first usable timestamp in a batch: the fallback for records that carry none."""
    for line in lines:
        rec, _ = load_record(line)
        if rec is None:
            continue
        for key in keys:
            ts = epoch_or_none(rec.get(key))
            if ts is not None:
                return ts
    return None


def project_of(cwd: str) -> str | None:
    name = cwd.rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1]
    return name[:300] or None


_HOME = re.compile(r"^(?:/home|/Users|[A-Za-z]:[/\\]Users)[/\\]([^/\\]+)")


def user_of(cwd: str) -> str | None:
    """The account name in a home-folder path, the only user identity a local transcript carries."""
    m = _HOME.match(cwd)
    return m.group(1)[:200] if m else None


def text_of(content: Any) -> str:
    """Text of a message content: a string, or the text parts of a list of blocks."""
    if isinstance(content, str):
        return content
    parts = []
    for block in as_list(content):
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and isinstance(block.get("text"), str):
            parts.append(block["text"])
    return "\n".join(parts)


def cut(text: str, limit: int = MAX_OUTPUT) -> str:
    return text if len(text) <= limit else text[:limit]


def patch_lines(patch: str) -> tuple[int, int]:
    """Lines added and removed by a unified or apply_patch style diff."""
    added = removed = 0
    for row in patch.splitlines():
        if row.startswith(("+++", "---", "*** ")):
            continue
        if row.startswith("+"):
            added += 1
        elif row.startswith("-"):
            removed += 1
    return added, removed
