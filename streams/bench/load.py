"""The benchmark's workload: generated sessions as Kafka messages (pure; time is an argument)."""

from __future__ import annotations

from dataclasses import dataclass

from models.decode import encode_batch
from models.generator import GeneratedSession, generate, messages

Msg = tuple[bytes, bytes]  # (key, value)
EVENTS_PER_SESSION = 81  # the generator's mean, to size a first guess


@dataclass(frozen=True)
class Backlog:
    msgs: list[Msg]
    events: int
    session_ids: frozenset[str]


def backlog(n_events: int, *, now: float, batch_events: int, single: bool, seed: int = 11) -> Backlog:
    """Whole sessions of the last hours, every one ending with a session_end, about n_events in all."""
    sessions: list[GeneratedSession] = []
    total = 0
    while total < n_events:  # session i depends only on (seed, i), so extending keeps the first ones
        more = max(1, (n_events - total) // EVENTS_PER_SESSION + 1)
        sessions = generate(len(sessions) + more, seed=seed, start=now - 6 * 3600, span_s=4 * 3600,
                            end_probability=1.0)
        total = sum(len(s.events) for s in sessions)
    msgs = [(k.encode(), v) for _, k, v in messages(sessions, batch_events=batch_events, single=single)]
    return Backlog(msgs, total, frozenset(s.session_id for s in sessions))


def _rekey(template: GeneratedSession, sid: str, count: int | None, ts: float | None) -> list[dict]:
    events = template.events if count is None else template.events[:count]
    return [{**e, "session_id": sid, **({"ts": ts} if ts is not None else {})} for e in events]


def templates(n: int, *, now: float, seed: int) -> list[GeneratedSession]:
    """Sessions without an end event, within the last few minutes: material to clone."""
    return generate(n, seed=seed, start=now - 240, span_s=120, end_probability=0.0)


def live(n: int, tpl: list[GeneratedSession], now: float) -> tuple[list[Msg], list[Msg]]:
    """n live sessions: each one's body (its first events, now), and its lone session_end message."""
    bodies, ends = [], []
    for i in range(n):
        sid = f"live-{i}"
        bodies.append((sid.encode(), encode_batch(sid, _rekey(tpl[i % len(tpl)], sid, 12, now))))
        ends.append((sid.encode(), encode_batch(sid, [{"event_id": "end", "session_id": sid, "ts": now,
                                                       "type": "session_end"}])))
    return bodies, ends


def open_sessions(n: int, tpl: list[GeneratedSession], events_each: int) -> list[Msg]:
    """n sessions in progress (their first events_each events, no end): state the workers must hold."""
    out = []
    for i in range(n):
        sid = f"open-{i}"
        out.append((sid.encode(), encode_batch(sid, _rekey(tpl[i % len(tpl)], sid, events_each, None))))
    return out
