"""`sessionscope` command line: one sub-command per module in streams/commands/."""

from __future__ import annotations

import argparse
import importlib
import sys

# each module defines add_parser(subparsers) and run(args) -> int
COMMANDS = ("worker", "demo", "ingest", "classify", "evaluate", "generate", "topics", "bench")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sessionscope", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"streams.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"streams.commands.{name}":
                raise
            continue
        module.add_parser(sub)
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
