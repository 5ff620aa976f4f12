"""Tail live transcripts: new lines of known files and new files, only events not produced before.

Each session keeps one incremental parser fed with its files' complete lines in order. The byte
offset and line count reached in every file are saved to a small JSON state file once the caller
has delivered the events (`save`), so a restart resumes where delivery ended. After a restart a
session's parser first re-reads the lines before the saved offset with output discarded: that
rebuilds what later lines need (tool calls awaiting results, token counts per message, ids
already produced) without producing anything again. A file that shrank was replaced: it is read
again from the start, and downstream deduplication absorbs what repeats.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from models.adapters.base import Problem
from models.adapters.claude_code import is_compaction_file
from models.adapters.detect import detect_format, new_parser
from models.adapters.parser import LineParser
from models.events import Event
from streams.transcript_files import discover, is_subagent_file, subagent_dir

HEAD_BYTES = 65536  # enough of a file's start to detect its format


@dataclass(slots=True)
class Batch:
    path: Path  # the session's main file
    session_id: str
    agent: str
    events: list[Event]
    problems: list[Problem]


@dataclass(slots=True)
class _Session:
    parser: LineParser
    files: dict[str, str] = field(default_factory=dict)  # source key -> path


class Follower:
    def __init__(self, paths: list[Path], state_path: Path, *, since: float | None = None) -> None:
        self.paths = paths
        self.state_path = state_path
        self.since = since
        self.positions: dict[str, list[int]] = self._load()  # path -> [byte offset, lines read]
        self.sessions: dict[str, _Session] = {}

    def _load(self) -> dict[str, list[int]]:
        try:
            doc = json.loads(self.state_path.read_text())
            files = doc.get("files", {}) if isinstance(doc, dict) else {}
            return {str(k): [int(v[0]), int(v[1])] for k, v in files.items()}
        except (OSError, ValueError, TypeError, IndexError, AttributeError):
            return {}  # no state yet, or unreadable: start from the beginning (deduplicated downstream)

    def save(self) -> None:
        """Persist positions; call after the events returned so far were delivered."""
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_suffix(self.state_path.suffix + ".tmp")
        tmp.write_text(json.dumps({"version": 1, "files": self.positions}, sort_keys=True))
        os.replace(tmp, self.state_path)

    def poll(self) -> list[Batch]:
        """Events of everything appended or created since the last poll, one batch per changed session."""
        batches = []
        for main in discover(self.paths or None, self.since):
            batch = self._poll_session(main)
            if batch and (batch.events or batch.problems):
                batches.append(batch)
        return batches

    def _files(self, main: Path) -> list[tuple[str, Path]]:
        files = [("main", main)]
        folder = subagent_dir(main)
        if not is_subagent_file(main) and folder.is_dir():
            files += [(f"subagents/{p.name}", p) for p in sorted(folder.glob("*.jsonl"))
                      if not is_compaction_file(p.name)]  # fmt: skip
        return files

    def _poll_session(self, main: Path) -> Batch | None:
        key = str(main)
        files = self._files(main)
        problems: list[Problem] = []
        if any(self._shrank(path) for _, path in files):
            self.sessions.pop(key, None)
            for _, path in files:
                self.positions.pop(str(path), None)
        session = self.sessions.get(key) or self._open(main, files, problems)
        if session is None:
            return None
        events: list[Event] = []
        for source, path in files:
            offset, line_no = self.positions.get(str(path), [0, 0])
            chunk = _read(path, offset, None, problems)
            end = chunk.rfind(b"\n") + 1  # a line still being written waits for the next poll
            if end <= 0:
                continue
            lines = chunk[:end].split(b"\n")[:-1]
            before = len(session.parser.problems)
            events += session.parser.feed(lines, source, line_no + 1, sidechain=source != "main")
            problems += [Problem(str(path), p.line, p.reason) for p in session.parser.problems[before:]]
            self.positions[str(path)] = [offset + end, line_no + len(lines)]
        result = session.parser.result(events)
        return Batch(main, result.session_id, result.agent, events, problems)

    def _shrank(self, path: Path) -> bool:
        saved = self.positions.get(str(path))
        try:
            return saved is not None and path.stat().st_size < saved[0]
        except OSError:
            return False

    def _open(self, main: Path, files: list[tuple[str, Path]], problems: list[Problem]) -> _Session | None:
        head = _read(main, 0, HEAD_BYTES, problems)
        if not head.strip():
            return None  # empty so far: decide the format when something arrives
        agent = detect_format(head.split(b"\n")[:-1] or [head]) or "claude_code"
        session = _Session(new_parser(agent, session_hint=main.stem))
        for source, path in files:  # replay what was delivered before a restart, output discarded
            offset, _ = self.positions.get(str(path), [0, 0])
            if offset:
                lines = _read(path, 0, offset, problems).split(b"\n")[:-1]
                session.parser.feed(lines, source, 1, sidechain=source != "main")
        session.parser.problems.clear()  # reported when those lines were first read
        self.sessions[str(main)] = session
        return session


def _read(path: Path, offset: int, end: int | None, problems: list[Problem]) -> bytes:
    """Bytes from `offset` to `end` (the end of the file when None)."""
    try:
        with path.open("rb") as fh:
            fh.seek(offset)
            return fh.read() if end is None else fh.read(max(end - offset, 0))
    except OSError as exc:
        problems.append(Problem(str(path), 0, f"cannot read: {exc.strerror or exc}"))
        return b""
