"""`sessionscope chaos`: kill and restart workers and the broker under traffic, then verify."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from streams.chaos.run import ChaosConfig, run
from streams.commands.arg_types import non_negative_float, non_negative_int, positive_int


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("chaos", help="verify no session is lost or double counted under kills and restarts")
    d = ChaosConfig()
    p.add_argument("--sessions", type=positive_int, default=d.sessions)
    p.add_argument("--partitions", type=positive_int, default=d.partitions)
    p.add_argument("--workers", type=positive_int, default=d.workers)
    p.add_argument("--chunks", type=positive_int, default=d.chunks, help="traffic is sent in this many steps")
    p.add_argument("--kills", type=non_negative_int, default=d.kills,
                   help="worker SIGKILLs, at random steps (at most chunks - 2 with a broker restart, else chunks - 1)")
    p.add_argument("--no-broker-restart", dest="broker_restart", action="store_false",
                   help="skip the broker restart and run on the embedded broker instead of librdkafka's test cluster")
    p.add_argument("--broker-down-s", type=non_negative_float, default=d.broker_down_s,
                   help="how long the restarted broker refuses connections")
    p.add_argument("--brokers", type=int, default=d.brokers, choices=range(1, 10), metavar="N",
                   help="brokers in the cluster; with one, a restart leaves every partition without a leader")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--workdir", type=Path, help="keep logs here (default: a temporary directory)")
    p.add_argument("--log-level", default=d.log_level, choices=("debug", "info", "warning", "error"),
                   help="the workers' log level (info shows rebalances and table recovery)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    try:
        cfg = ChaosConfig(sessions=args.sessions, partitions=args.partitions, workers=args.workers,
                          chunks=args.chunks, kills=args.kills, broker_restart=args.broker_restart,
                          broker_down_s=args.broker_down_s, brokers=args.brokers, seed=args.seed,
                          workdir=args.workdir, log_level=args.log_level)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # SIGTERM unwinds like Ctrl-C, so the broker and workers are stopped
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    report = run(cfg)
    print("\n".join(report.lines()))
    return 0 if report.ok else 1
