"""`sessionscope` command line: one sub-command per module in streams/commands/."""

from __future__ import annotations

import argparse
import importlib
import sys

# each module defines add_parser(subparsers) and run(args) -> int; "send-end" lives in send_end.py
COMMANDS = ("worker", "demo", "ingest", "send-end", "topics", "classify", "evaluate", "generate", "bench", "chaos")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sessionscope", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        module_name = f"streams.commands.{name.replace('-', '_')}"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.add_parser(sub)
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
