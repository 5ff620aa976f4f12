"""`sessionscope topics`: create the source and sink topics.

Workers create Faust's own topics (the tables' changelogs and the leader topic) themselves, unless
SESSIONSCOPE_DECLARE_TOPICS=false says they may not: then this creates those too, changelogs compacted.
Prints the plan, one topic a line: name, partitions, and whether it was created now or existed.
Run it once before the first worker, ingest or OTel Collector; it is safe to run again.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from streams.settings import get_settings
from streams.topics import create_topics, full_topic_plan, topic_plan


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("topics", help="create the topics and print them", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--list", action="store_true", help="print the plan only; create nothing")
    p.add_argument("--broker", help="Kafka bootstrap, overrides settings.broker")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    settings = settings.with_broker(args.broker)
    state = not settings.declare_topics  # the workers will not create Faust's topics: provision them here
    plan = full_topic_plan(settings) if state else topic_plan(settings)
    if args.list:
        for name, partitions in plan.items():
            print(f"{name}\t{partitions}")
        return 0
    try:
        created = set(asyncio.run(create_topics(settings, state=state)))
    except Exception as exc:
        print(f"error: could not create topics on {settings.bootstrap}: {exc!r}; is the broker running "
              "and SESSIONSCOPE_BROKER set?", file=sys.stderr)  # fmt: skip
        return 1
    for name, partitions in plan.items():
        print(f"{name}\t{partitions}\t{'created' if name in created else 'exists'}")
    return 0
