"""A closed session rendered as compact text for a model classifier (pure).

The model sees what the study's classifiers saw: basic telemetry (structure measures and
counts) and the transcript, truncated to 5,000 characters a turn and 25,000 a session.
Truncation is applied here again, after redaction, whatever limits the session was
aggregated with, so the request never exceeds the study's budget. Secrets and personal
data are redacted before anything is rendered.
"""

from __future__ import annotations

from collections.abc import Iterable

from models.redact import redact
from models.session import SessionState, structure

TURN_CHARS = 5000
SESSION_CHARS = 25000
LABELS = {"prompt": "USER", "assistant": "AGENT", "tool": "TOOL", "result": "RESULT", "error": "ERROR"}
_MIN_PIECE = 24  # a truncated line shorter than this says nothing; drop it instead
_OMITTED = "[… transcript cut here to fit the session budget; {n} whole items omitted …]"


def _clock(seconds: float) -> str:
    s = max(int(seconds), 0)
    h, rest = divmod(s, 3600)
    return f"+{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"+{rest // 60:02d}:{rest % 60:02d}"


def _counts(counter: dict[str, int]) -> str:
    items = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    return " ".join(f"{k}={v}" for k, v in items) or "none"


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def _is_turn_start(kind: str, text: str) -> bool:
    # user feedback ("[user affirm] ...") is recorded as a prompt item but does not open a turn
    return kind == "prompt" and not text.startswith("[user ")


def evidence_lines(
    items: Iterable[tuple[float, str, str]],
    start_ts: float,
    *,
    turn_chars: int = TURN_CHARS,
    session_chars: int = SESSION_CHARS,
) -> list[str]:
    """Evidence items as redacted lines in time order, within the turn and session budgets.

    Each line counts fully (prefix included) against its turn; the joined lines (newlines
    included) never exceed session_chars. Over the session budget, the head and a tail of one
    fifth of the budget are kept, because how a session ends matters as much as how it starts.
    """
    lines: list[str] = []
    used = 0  # items before the first prompt form a turn of their own
    for ts, kind, text in items:
        if _is_turn_start(kind, text):
            used = 0
        prefix = f"[{_clock(ts - start_ts)}] {LABELS.get(kind, kind.upper())}: "
        line = prefix + " ".join(redact(text).split())
        room = turn_chars - used
        if room < min(len(line), _MIN_PIECE):
            continue  # the turn's budget is spent
        line = _cut(line, room)
        used += len(line)
        lines.append(line)
    return _fit_session(lines, session_chars)


def _fit_session(lines: list[str], budget: int) -> list[str]:
    if sum(len(x) + 1 for x in lines) - 1 <= budget:
        return lines
    budget -= len(_OMITTED) + 16  # room for the marker line
    tail_budget = budget // 5
    tail: list[str] = []
    size = 0
    for line in reversed(lines[1:]):  # the first line always opens the head
        room = tail_budget - size - 1
        if len(line) > room:
            if room >= _MIN_PIECE:
                tail.insert(0, _cut(line, room))
            break
        tail.insert(0, line)
        size += len(line) + 1
    head: list[str] = []
    size = 0
    for line in lines[: len(lines) - len(tail)]:
        if size + len(line) + 1 > budget - tail_budget:
            room = budget - tail_budget - size - 1
            if room >= _MIN_PIECE:
                head.append(_cut(line, room))
            break
        head.append(line)
        size += len(line) + 1
    omitted = len(lines) - len(head) - len(tail)
    return [*head, _OMITTED.format(n=omitted), *tail]


def render_session(state: SessionState, *, turn_chars: int = TURN_CHARS, session_chars: int = SESSION_CHARS) -> str:
    """The text a model classifier reads for one closed session."""
    s = structure(state)
    start = state.first_ts if state.first_ts != float("inf") else 0.0
    measures = " ".join(f"{k}={_fmt(v)}" for k, v in s.items() if v is not None)
    last_test = ""
    if state.last_test:
        passed = "passed" if state.last_test[1] else "FAILED"
        last_test = f"last test run {passed} at {_clock(state.last_test[0] - start)}"
    ending = [
        f"ended by {state.end_reason or ('end event' if state.ended else 'inactivity')}",
        last_test,
        f"last error at {_clock(state.last_error_ts - start)}" if state.last_error_ts is not None else "",
        f"last successful tool result at {_clock(state.last_ok_ts - start)}" if state.last_ok_ts else "",
    ]
    header = [
        f"agent: {state.agent}; model: {state.model or 'unknown'}; project: {state.project or 'unknown'}",
        f"structure: {measures}",
        f"user signals: corrections={state.count('user_corrections')} interrupts={state.count('interrupts')} "
        f"rejected_tools={state.count('rejected_tools')} affirmations={state.count('affirmations')} "
        f"complaints={state.count('complaints')}",
        f"tools called: {_counts(state.tools)}",
        f"files edited by kind: {_counts(state.files)}",
        f"files read by kind: {_counts(state.reads)}",
        f"shell commands by kind: {_counts(state.cmds)}",
        f"session end: {'; '.join(x for x in ending if x)}",
    ]
    ev = state.evidence
    note = [f"[… {ev.dropped} items were dropped by the truncation while the session ran …]"] if ev.dropped else []
    budget = session_chars - sum(len(x) + 1 for x in note)
    lines = note + evidence_lines(ev.items(), start, turn_chars=turn_chars, session_chars=budget)
    return "\n".join(
        ["<telemetry>", redact("\n".join(header)), "</telemetry>", "<transcript>", *lines, "</transcript>"]
    )
