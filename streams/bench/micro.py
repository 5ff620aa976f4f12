"""A quick, broker-free benchmark of the sessionizer's hot path: decode, fold, and state size.

    python -m streams.bench.micro [--events 100000] [--open 5000]

decode: decode_message over generated batches (the same workload as `sessionscope bench`).
fold: the same events folded into SessionStates, one clone per message as the sessionizer does;
changelog encode: the table codec's orjson.dumps(state.to_dict()) after each message.
open state: tracemalloc bytes held per open session (open_events events each), and its
changelog record, as `sessionscope bench` measures them through RSS and the changelog topic.
The garbage collector is tuned as a worker tunes it (SESSIONSCOPE_GC_THRESHOLD).
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from typing import Any

import orjson

from models.decode import decode_message
from models.events import Event
from models.session import SessionState, apply, new_session
from streams.bench import load
from streams.gc_tuning import tune_gc
from streams.settings import get_settings


def _best(fn: Any, repeat: int) -> float:
    """Fastest of repeat runs, in seconds: the machine is shared, the minimum is the least noisy."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def decoded(msgs: list[load.Msg], now: float) -> list[list[Event]]:
    out = []
    for _, value in msgs:
        d = decode_message(value, now=now)
        assert not d.rejections, d.rejections[:1]
        out.append(d.events)
    return out


def fold(batches: list[list[Event]], *, changelog: bool = False) -> float:
    """Seconds spent encoding changelog records (0 unless changelog)."""
    states: dict[str, SessionState] = {}
    encoding = 0.0
    for events in batches:
        sid = events[0].session_id
        stored = states.get(sid)
        state = stored.clone() if stored is not None else new_session(sid)
        for ev in events:
            apply(state, ev)
        if changelog:  # what the table's codec does on every write
            t0 = time.perf_counter()
            orjson.dumps(state.to_dict())
            encoding += time.perf_counter() - t0
        states[sid] = state
    return encoding


def open_state(n: int, events_each: int, now: float) -> tuple[float, float]:
    """(bytes per open session held in memory, bytes per changelog record)."""
    msgs = load.open_sessions(n, load.templates(200, now=now, seed=9), events_each)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    states: dict[str, SessionState] = {}
    for key, value in msgs:  # kept, as the table keeps them; the decoded events are dropped
        sid = key.decode()
        state = new_session(sid)
        for ev in decode_message(value, now=now).events:
            apply(state, ev)
        states[sid] = state
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    held = sum(s.size_diff for s in after.compare_to(before, "filename"))
    record = sum(len(orjson.dumps(s.to_dict())) for s in states.values())
    return held / n, record / n


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=100_000)
    p.add_argument("--batch", type=int, default=50)
    p.add_argument("--open", type=int, default=5000, help="open sessions for the state size")
    p.add_argument("--open-events", type=int, default=20)
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args(argv)
    now = time.time()
    backlog = load.backlog(a.events, now=now, batch_events=a.batch, single=False)
    batches = decoded(backlog.msgs, now)
    thresholds = get_settings().gc_thresholds
    tune_gc(thresholds)  # as a worker runs: Python's thresholds double the decode time
    t_decode = _best(lambda: decoded(backlog.msgs, now), a.repeat)
    t_fold = _best(lambda: fold(batches), a.repeat)
    t_write = min(fold(batches, changelog=True) for _ in range(a.repeat))
    n = backlog.events
    gc_note = ",".join(map(str, thresholds)) if thresholds else "Python's own"
    print(f"{n:,} events in {len(backlog.msgs):,} messages, gc thresholds {gc_note}")
    print(f"decode           {n / t_decode:>10,.0f} events/s")
    print(f"fold             {n / t_fold:>10,.0f} events/s")
    print(f"changelog encode {n / t_write:>10,.0f} events/s (one record per message)")
    print(f"all three        {n / (t_decode + t_fold + t_write):>10,.0f} events/s")
    held, record = open_state(a.open, a.open_events, now)
    print(f"open session     {held:>10,.0f} bytes held ({a.open_events} events each, tracemalloc)")
    print(f"changelog record {record:>10,.0f} bytes")


if __name__ == "__main__":
    main()
