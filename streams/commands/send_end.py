"""`sessionscope send-end`: close a session at once with a native session_end event.

Meant for Claude Code's SessionEnd hook (docs/otel.md): sessions that arrive over OpenTelemetry
have no end event of their own and would otherwise close one inactivity gap later. With
--from-hook the hook's JSON on stdin (session_id, reason, cwd, transcript_path) supplies the
arguments, so the hook is one command.

The event id is "<session_id>:session_end": a hook that fires twice, or a retried send, is
recognised by the sessionizer as the same event. The message is keyed by session id, like every
producer of the events topic, so it reaches the partition that holds the session.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import dataclass
from typing import Any, TextIO

from models.adapters.base import project_of
from models.decode import encode_batch
from models.events import EventType, SessionEnd
from streams.settings import Settings, get_settings


class SendEndError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class EndRequest:
    session_id: str
    reason: str
    agent: str
    project: str | None = None


def end_event(req: EndRequest, now: float) -> SessionEnd:
    return SessionEnd(type=EventType.SESSION_END, event_id=f"{req.session_id}:session_end", session_id=req.session_id,
                      ts=now, agent=req.agent, project=req.project, reason=req.reason[:64] or "other")  # fmt: skip


def request_from_hook(stdin: TextIO, args: argparse.Namespace) -> EndRequest:
    """The hook's stdin JSON; --session-id and --reason given on the command line take precedence."""
    raw = stdin.read()
    try:
        doc: Any = json.loads(raw) if raw.strip() else {}
    except ValueError as exc:
        raise SendEndError(f"--from-hook: stdin is not JSON ({exc}); Claude Code passes the hook input there") from exc
    if not isinstance(doc, dict):
        raise SendEndError("--from-hook: expected a JSON object on stdin with session_id")
    session_id = args.session_id or doc.get("session_id")
    if not isinstance(session_id, str) or not session_id.strip():
        raise SendEndError("--from-hook: no session_id in the hook input; give --session-id")
    reason = args.reason or doc.get("reason") or "other"
    cwd = doc.get("cwd")
    # the project only fills in when no earlier event named one (the session keeps its first)
    project = project_of(cwd) if isinstance(cwd, str) and cwd else None
    return EndRequest(session_id.strip(), str(reason), args.agent, project)


async def send(settings: Settings, event: SessionEnd, timeout: float) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap, request_timeout_ms=int(timeout * 1000))
    value = encode_batch(event.session_id, [event.model_dump(mode="json")])
    try:
        async with asyncio.timeout(timeout):
            await producer.start()
            await producer.send_and_wait(settings.topic_events, value=value, key=event.session_id.encode())
    finally:
        await producer.stop()


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("send-end", help="close a session now (for Claude Code's SessionEnd hook)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--session-id", help="the session to close (required unless --from-hook)")
    p.add_argument("--reason", help="why it ended, e.g. clear, logout, prompt_input_exit (default other)")
    p.add_argument("--agent", default="claude_code", help="the agent that ran the session (default claude_code)")
    p.add_argument("--from-hook", action="store_true", help="read the SessionEnd hook's JSON from stdin")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the broker (default 10)")
    p.add_argument("--broker", help="Kafka bootstrap, overrides settings.broker")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    settings = settings.with_broker(args.broker)
    try:
        if args.from_hook:
            req = request_from_hook(sys.stdin, args)
        elif args.session_id and args.session_id.strip():
            req = EndRequest(args.session_id.strip(), args.reason or "other", args.agent)
        else:
            raise SendEndError("give --session-id ID, or --from-hook with the hook's JSON on stdin")
        event = end_event(req, time.time())
    except (SendEndError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(send(settings, event, args.timeout))
    except Exception as exc:  # the hook must fail fast and say why, never hang the exit of a session
        print(f"error: could not send session_end for {req.session_id} to {settings.bootstrap} "
              f"(topic {settings.topic_events}): {exc!r}; is the broker running and SESSIONSCOPE_BROKER set?",
              file=sys.stderr)  # fmt: skip
        return 1
    return 0
