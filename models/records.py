"""Records written to the downstream topics, built from a closed session and its classification."""

from __future__ import annotations

from typing import Any

from models.classification import Classification, derived
from models.session import SessionState, structure

RECORD_VERSION = 1


def classified_record(
    state: SessionState, c: Classification, *, close_reason: str, closed_at: float, classified_at: float
) -> dict[str, Any]:
    """One line of sessions-classified. Keyed by session_id; a higher rev supersedes a lower one."""
    s = structure(state)
    return {
        "v": RECORD_VERSION,
        "session_id": state.session_id,
        "rev": state.rev,
        "agent": state.agent,
        "user": state.user,
        "project": state.project,
        "model": state.model,
        "start_ts": state.first_ts if state.first_ts != float("inf") else None,
        "end_ts": state.last_ts if state.last_ts != float("-inf") else closed_at,
        "close_reason": close_reason,
        "closed_at": closed_at,
        "classified_at": classified_at,
        "structure": s,
        "classification": c.model_dump(mode="json"),
        "derived": derived(c, s),
    }
