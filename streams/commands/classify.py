"""`sessionscope classify PATH...`: classify transcripts offline, without a broker."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from models.classification import Classification, derived, expertise_label
from models.session import SessionState, apply, new_session, structure
from streams.classifier import Classifier, RuleClassifier
from streams.settings import get_settings


class BackendUnavailable(Exception):
    """The requested classifier backend cannot run here (no API key, module missing)."""


@dataclass(slots=True)
class Loaded:
    path: Path
    state: SessionState
    problems: list[str] = field(default_factory=list)


def load(path: Path) -> Loaded:
    """One transcript file folded into a session aggregate, exactly as the sessionizer would."""
    from streams.transcript_files import read_transcript

    transcript = read_transcript(path)
    state = new_session(transcript.session_id)
    for event in transcript.events:
        apply(state, event)
    if transcript.agent and state.agent == "unknown":
        state.agent = transcript.agent
    return Loaded(path, state, [str(p) for p in transcript.problems])


def discover(paths: Iterable[Path]) -> list[Path]:
    from streams.transcript_files import discover as find

    return [Path(p) for p in find(list(paths))]


def make_backend(name: str) -> Classifier:
    """The rule classifier, or the Claude one when an API key is configured."""
    if name == "rules":
        return RuleClassifier()
    settings = get_settings()
    if settings.anthropic_api_key is None or not settings.anthropic_api_key.get_secret_value():
        raise BackendUnavailable(
            "the claude backend needs an API key: set SESSIONSCOPE_ANTHROPIC_API_KEY (or put it in .env), "
            "or use --backend rules"
        )
    try:
        from streams.claude_classifier import ClaudeClassifier
    except ModuleNotFoundError as exc:
        raise BackendUnavailable(f"the claude backend is not installed here ({exc})") from exc
    return ClaudeClassifier(settings.model_copy(update={"classifier": "claude"}))


async def classify_all(
    backend: Classifier, states: Sequence[SessionState], limit: int = 8
) -> list[Classification]:
    gate = asyncio.Semaphore(limit)

    async def one(state: SessionState) -> Classification:
        async with gate:
            return await backend.classify(state)

    return list(await asyncio.gather(*(one(s) for s in states)))


def record(loaded: Loaded, c: Classification) -> dict[str, Any]:
    shape = structure(loaded.state)
    return {
        "session_id": loaded.state.session_id,
        "agent": loaded.state.agent,
        "file": str(loaded.path),
        **c.model_dump(mode="json"),
        "expertise_label": expertise_label(c.expertise),
        "derived": derived(c, shape),
        "structure": shape,
        "problems": loaded.problems,
    }


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def table(rows: Sequence[dict[str, Any]]) -> str:
    head = ("session", "agent", "mode", "expertise", "outcome", "S", "F", "plan", "exec", "occupation",
            "turns", "actions", "+lines", "-lines")  # fmt: skip
    body = [
        (r["session_id"][:12], r["agent"][:12], r["work_mode"], r["expertise_label"], r["outcome"],
         str(r["success_signal"]), str(r["failure_signal"]), _pct(r["user_planning_share"]),
         _pct(r["user_execution_share"]), r["occupation"][:26], str(r["structure"]["turns"]),
         str(r["structure"]["actions"]), str(r["structure"]["lines_added"]), str(r["structure"]["lines_removed"]))
        for r in rows
    ]  # fmt: skip
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(b, widths, strict=True)) for b in body]
    return "\n".join(lines)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("classify", help="classify transcript files offline (no broker)")
    p.add_argument("paths", nargs="+", type=Path, help="transcript files or folders")
    p.add_argument("--json", action="store_true", help="one JSON object per session instead of a table")
    p.add_argument("--backend", choices=("rules", "claude"), default="rules")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    missing = [p for p in args.paths if not p.exists()]
    if missing:
        print(f"error: no such file or folder: {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    try:
        backend = make_backend(args.backend)
    except BackendUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    loaded = [load(p) for p in discover(args.paths)]
    if not loaded:
        print("error: no transcripts found under the given paths", file=sys.stderr)
        return 1
    results = asyncio.run(classify_all(backend, [x.state for x in loaded]))
    rows = [record(x, c) for x, c in zip(loaded, results, strict=True)]
    if args.json:
        out = sys.stdout.buffer
        for r in rows:
            out.write(orjson.dumps(r) + b"\n")
        out.flush()
    else:
        print(table(rows))
    return 0
