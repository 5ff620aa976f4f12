"""The native event schema (version 1): one session's prompts, actions, results and outcomes.

A Kafka message on the input topic carries either one event object or a batch
``{"v": 1, "session_id": ..., "events": [...]}`` of events of one session. Timestamps are
normalised to float epoch seconds (UTC); naive timestamps are rejected because they would be
read in whatever zone the producer happened to run in.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter

SCHEMA_VERSION = 1
MAX_TEXT = 20_000  # longer text fields are cut here; evidence keeps far less anyway


class EventType(StrEnum):
    SESSION_START = "session_start"
    PROMPT = "prompt"
    ASSISTANT_TEXT = "assistant_text"
    TOOL_CALL = "tool_call"
    TOOL_RESULT = "tool_result"
    COMMIT = "commit"
    PULL_REQUEST = "pull_request"
    TEST_RUN = "test_run"
    ERROR = "error"
    USER_FEEDBACK = "user_feedback"
    SESSION_END = "session_end"


def to_epoch(value: Any) -> float:
    """Epoch seconds from an ISO-8601 string with a zone, a datetime with a zone, or a number.

    Numbers above 1e11 are taken as milliseconds (1e11 s is the year 5138).
    """
    if isinstance(value, bool):
        raise ValueError("timestamp must be an ISO-8601 string or epoch seconds, not a boolean")
    if isinstance(value, int | float):
        ts = float(value)
        return ts / 1000.0 if ts > 1e11 else ts
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"timestamp {value[:40]!r} is not ISO-8601") from exc
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("timestamp has no time zone; send UTC, e.g. 2026-01-31T12:00:00Z")
        return value.timestamp()
    raise ValueError(f"timestamp must be a string or a number, got {type(value).__name__}")


def _cut(value: Any) -> Any:
    return value[:MAX_TEXT] if isinstance(value, str) else value


EpochSeconds = Annotated[float, BeforeValidator(to_epoch)]
Text = Annotated[str, BeforeValidator(_cut)]
Count = Annotated[int, Field(ge=0, le=10_000_000)]


class _Event(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=False)

    v: Literal[1] = 1
    event_id: str = Field(min_length=1, max_length=200)
    session_id: str = Field(min_length=1, max_length=200)
    ts: EpochSeconds
    agent: str = Field(default="unknown", max_length=64)
    user: str | None = Field(default=None, max_length=200)
    project: str | None = Field(default=None, max_length=300)
    model: str | None = Field(default=None, max_length=100)


class SessionStart(_Event):
    type: Literal[EventType.SESSION_START]
    cwd: str | None = None
    agent_version: str | None = None


class Prompt(_Event):
    type: Literal[EventType.PROMPT]
    text: Text = ""
    # None: the sessionizer judges from the text whether the prompt corrects the agent
    correction: bool | None = None


class AssistantText(_Event):
    type: Literal[EventType.ASSISTANT_TEXT]
    text: Text = ""
    words: Count | None = None  # for sources that report a count but not the text
    output_tokens: Count = 0
    input_tokens: Count = 0
    # finite and bounded: JSON "Infinity" would be accepted, then serialised as null in the changelog
    cost_usd: float = Field(default=0.0, ge=0, le=1_000_000, allow_inf_nan=False)


class ToolCall(_Event):
    type: Literal[EventType.TOOL_CALL]
    call_id: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1, max_length=200)
    input: dict[str, Any] = Field(default_factory=dict)
    lines_added: Count = 0
    lines_removed: Count = 0
    subagent: bool = False


class ToolResult(_Event):
    type: Literal[EventType.TOOL_RESULT]
    call_id: str = Field(min_length=1, max_length=200)
    name: str | None = None
    is_error: bool = False
    rejected: bool = False  # the user refused the tool use
    output: Text = ""
    lines_added: Count = 0
    lines_removed: Count = 0


class Commit(_Event):
    type: Literal[EventType.COMMIT]
    ok: bool = True
    sha: str | None = None
    message: Text = ""


class PullRequest(_Event):
    type: Literal[EventType.PULL_REQUEST]
    ok: bool = True
    url: str | None = None


class TestRun(_Event):
    type: Literal[EventType.TEST_RUN]
    ok: bool
    command: Text = ""
    passed: Count | None = None
    failed: Count | None = None


class Error(_Event):
    type: Literal[EventType.ERROR]
    kind: str = Field(default="error", max_length=64)  # api_error, tool_error, synthetic, ...
    message: Text = ""


FeedbackKind = Literal["interrupt", "reject", "correction", "affirm", "complaint"]


class UserFeedback(_Event):
    type: Literal[EventType.USER_FEEDBACK]
    kind: FeedbackKind
    text: Text = ""


class SessionEnd(_Event):
    type: Literal[EventType.SESSION_END]
    reason: str = Field(default="exit", max_length=64)


Event = Annotated[
    SessionStart
    | Prompt
    | AssistantText
    | ToolCall
    | ToolResult
    | Commit
    | PullRequest
    | TestRun
    | Error
    | UserFeedback
    | SessionEnd,
    Field(discriminator="type"),
]

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
EVENT_LIST_ADAPTER: TypeAdapter[list[Event]] = TypeAdapter(list[Event])


def event_json_schema() -> dict[str, Any]:
    """JSON Schema of one event, for producers in other languages."""
    return EVENT_ADAPTER.json_schema()
