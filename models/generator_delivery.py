"""Generated sessions as Kafka messages: batched and interleaved in event-time order, and then
delivered at least once and out of order, as a real pipeline would."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import orjson

from models.decode import encode_batch

if TYPE_CHECKING:
    from models.generator import GeneratedSession

Message = tuple[float, str, bytes]  # (max event time in it, key = session id, value)


def messages(sessions: Iterable[GeneratedSession], *, batch_events: int = 50, single: bool = False,
             linger_s: float = 30.0) -> Iterator[Message]:  # fmt: skip
    """Kafka messages of the sessions, interleaved in event-time order, keyed by session id.

    A batch holds consecutive events of one session and is sent when it is full, or when the
    session goes quiet for linger_s (as a transcript tailer flushes at the end of an agent turn).
    Each message carries the time of its last event; messages come out in that order.
    """
    lists = [s.events for s in sessions]
    order = [(ev["ts"], si, ei) for si, evs in enumerate(lists) for ei, ev in enumerate(evs)]
    order.sort()
    if single:
        for ts, si, ei in order:
            ev = lists[si][ei]
            yield ts, ev["session_id"], orjson.dumps(ev)
        return
    buffers: dict[int, list[dict[str, Any]]] = {}
    for ts, si, ei in order:
        evs = lists[si]
        buf = buffers.setdefault(si, [])
        buf.append(evs[ei])
        nxt = ei + 1
        if len(buf) >= batch_events or nxt == len(evs) or evs[nxt]["ts"] - ts > linger_s:
            sid = evs[ei]["session_id"]
            yield ts, sid, encode_batch(sid, buf)
            del buffers[si]


def disorder(msgs: list[Message], *, seed: int, duplicate_rate: float = 0.02, reorder_rate: float = 0.05,
             max_shift: int = 20) -> tuple[list[Message], int]:  # fmt: skip
    """At-least-once, out-of-order delivery: redeliver some messages a little later and move others.

    Returns the new message list and the number of duplicated events in it (what an idempotent
    consumer must ignore).
    """
    rng = random.Random(seed)
    out = list(msgs)
    dup_events = 0
    for i in sorted(rng.sample(range(len(msgs)), round(len(msgs) * duplicate_rate)), reverse=True):
        doc = orjson.loads(msgs[i][2])
        dup_events += len(doc["events"]) if "events" in doc else 1
        out.insert(min(len(out), i + 1 + rng.randrange(max_shift)), msgs[i])
    for i in range(len(out)):
        if rng.random() < reorder_rate:
            j = min(len(out) - 1, i + 1 + rng.randrange(max_shift))
            out[i], out[j] = out[j], out[i]
    return out, dup_events
