"""The file side of transcript adapters: find transcript files and read one session from disk.

A Claude Code session is its main file plus `<session>/subagents/*.jsonl` beside it; sub-agent
files are never a session of their own unless their main file is missing. A file or line that
cannot be read is reported as a problem with file:line, never raised.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from models.adapters.base import AdapterResult, Problem
from models.adapters.detect import parse_lines

CLAUDE_ROOT = Path("~/.claude/projects")
CODEX_ROOT = Path("~/.codex/sessions")


def default_roots() -> list[Path]:
    return [CLAUDE_ROOT.expanduser()]


def subagent_dir(main: Path) -> Path:
    return main.with_suffix("") / "subagents"


def is_subagent_file(path: Path) -> bool:
    return path.parent.name == "subagents"


def _orphan(path: Path) -> bool:
    """A sub-agent file whose main file is missing: read on its own rather than lost."""
    return not path.parent.parent.with_suffix(".jsonl").exists()


def discover(paths: Iterable[Path] | None = None, since: float | None = None) -> Iterator[Path]:
    """Transcript files under the given files or folders (default ~/.claude/projects), sorted per
    folder; files last modified before `since` (epoch seconds) are left out."""
    seen: set[Path] = set()
    for root in paths or default_roots():
        root = root.expanduser()
        if root.is_file():
            candidates: Iterable[Path] = [root]
        elif root.is_dir():
            pattern = "rollout-*.jsonl" if root.resolve() == CODEX_ROOT.expanduser().resolve() else "*.jsonl"
            candidates = sorted(root.rglob(pattern))
        else:
            continue
        for path in candidates:
            if path in seen or (is_subagent_file(path) and not _orphan(path)):
                continue
            seen.add(path)
            try:
                if since is not None and path.stat().st_mtime < since:
                    continue
            except OSError:
                continue
            yield path


def read_lines(path: Path, problems: list[Problem]) -> list[bytes]:
    try:
        return path.read_bytes().splitlines()
    except OSError as exc:
        problems.append(Problem(str(path), 0, f"cannot read: {exc.strerror or exc}"))
        return []


def read_transcript(path: Path) -> AdapterResult:
    """One session's events from its main file and its sub-agent files."""
    problems: list[Problem] = []
    lines = read_lines(path, problems)
    subagents: dict[str, list[bytes]] = {}
    names = {"main": str(path)}
    folder = subagent_dir(path)
    if not is_subagent_file(path) and folder.is_dir():
        for sub in sorted(folder.glob("*.jsonl")):
            key = f"subagents/{sub.name}"  # file-relative, so event ids do not depend on where the tree lives
            names[key] = str(sub)
            subagents[key] = read_lines(sub, problems)
    result = parse_lines(lines, subagents, source="main", session_hint=path.stem)
    result.problems = problems + [Problem(names.get(p.source, p.source), p.line, p.reason) for p in result.problems]
    return result
