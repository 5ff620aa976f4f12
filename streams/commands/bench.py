"""`sessionscope bench`: throughput, latency and memory of a real worker on the embedded broker."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from streams.bench import compare
from streams.bench.proc import BenchError
from streams.bench.report import render
from streams.bench.run import Config, run
from streams.commands.arg_types import positive_int

T = TypeVar("T")


def _arg(parse: Callable[[str], T]) -> Callable[[str], T]:
    """An argparse type that shows the parser's reason (argparse hides a ValueError's message)."""
    def convert(text: str) -> T:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from exc
    return convert


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="measure a real worker on the embedded broker and print figures with targets")
    p.add_argument("--events", type=int, default=200_000, help="events in the pre-produced backlog")
    p.add_argument("--batch-events", type=int, default=50, help="events per message (batched mode)")
    p.add_argument("--single", action="store_true", help="one event per message")
    p.add_argument("--workers", type=int, choices=(1, 2), default=1, help="2: also run two workers and compare")
    p.add_argument("--open-sessions", type=int, default=50_000, help="open sessions for the state-size measurement")
    p.add_argument("--open-events", type=int, default=20, help="events each open session has received")
    p.add_argument("--live", type=int, default=100, help="live sessions timed from session_end to /metrics")
    p.add_argument("--repeat", type=positive_int, default=3, help="throughput runs; the median is reported")
    p.add_argument("--compare", metavar="NAME=VALUE", type=_arg(compare.parse_override), action="append", default=[],
                   help="compare the worker with this environment variable set (B) against it as is (A), in "
                        "interleaved pairs of one-worker runs; repeatable")
    p.add_argument("--tree", metavar="PATH", type=_arg(lambda text: compare.check_tree(Path(text))),
                   help="compare against the code of another checkout (e.g. a git worktree of another commit)")
    p.add_argument("--pairs", type=positive_int, help="pairs of runs of a comparison (default 8; 1 with --quick)")
    p.add_argument("--quick", action="store_true", help="a small run for CI (a few thousand events)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    try:
        return _measure(args)
    except BenchError as exc:  # a worker that would not start or keep up: its reason, not a traceback
        print(f"sessionscope bench: {exc}", file=sys.stderr, flush=True)
        return 1


def _measure(args: argparse.Namespace) -> int:
    events = min(args.events, 3000) if args.quick else args.events
    if args.compare or args.tree:
        cfg = Config(events=events, batch_events=args.batch_events, single=args.single)
        variant = compare.Variant(dict(args.compare), args.tree)
        print(compare.render(compare.compare(cfg, variant, args.pairs or (1 if args.quick else 8))), flush=True)
        return 0
    if args.quick:
        cfg = Config(events=events, batch_events=args.batch_events, single=args.single, workers=args.workers,
                     open_sessions=min(args.open_sessions, 1000), open_events=args.open_events,
                     live=min(args.live, 10), live_rate=10.0, repeat=1)
    else:
        cfg = Config(events=events, batch_events=args.batch_events, single=args.single, workers=args.workers,
                     open_sessions=args.open_sessions, open_events=args.open_events, live=args.live,
                     repeat=args.repeat)
    print(render(run(cfg)), flush=True)
    return 0
