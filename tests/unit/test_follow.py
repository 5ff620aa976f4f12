"""Following live transcripts: appended lines, new files, restarts and replaced files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from streams.follow import Follower
from streams.transcript_files import read_transcript


def line(uuid: str, content: Any, kind: str = "user", sid: str = "live-1", **kw: Any) -> str:
    doc = {"type": kind, "uuid": uuid, "sessionId": sid, "timestamp": "2026-02-10T10:00:00Z",
           "cwd": "/home/ada/shop", "message": {"role": kind, "content": content, "id": uuid}, **kw}  # fmt: skip
    return json.dumps(doc) + "\n"


def append(path: Path, *lines: str) -> None:
    with path.open("a") as fh:
        fh.write("".join(lines))


def ids(follower: Follower) -> list[str]:
    return [e.event_id for batch in follower.poll() for e in batch.events]


def test_appended_lines_new_files_and_restart(tmp_path: Path) -> None:
    root, state = tmp_path / "projects", tmp_path / "state" / "follow.json"
    root.mkdir()
    main = root / "live-1.jsonl"
    call = [{"type": "tool_use", "id": "b1", "name": "Bash", "input": {"command": "git commit -m x"}}]
    append(main, line("u1", "start work"), line("a1", call, kind="assistant"))
    follower = Follower([root], state)
    assert ids(follower) == ["live-1:start", "u1:prompt", "b1"]
    assert ids(follower) == []  # nothing new

    append(main, '{"type": "user", "uuid": "half')  # a line still being written
    assert ids(follower) == []
    with main.open("a") as fh:
        fh.write('-done", "sessionId": "live-1"}\n')
    follower.save()

    # a restart: the result of the call made before it is still read as a commit
    restarted = Follower([root], state)
    append(main, line("r1", [{"type": "tool_result", "tool_use_id": "b1", "content": "[main abc1234] x"}]))
    batches = restarted.poll()
    assert [(b.session_id, [e.event_id for e in b.events]) for b in batches] == [("live-1", ["b1:result", "b1:commit"])]
    # a sub-agent file and a new session appear
    sub = root / "live-1" / "subagents"
    sub.mkdir(parents=True)
    append(sub / "agent-x1.jsonl", line("s1", [{"type": "tool_use", "id": "t9", "name": "Read", "input": {}}],
                                        kind="assistant", isSidechain=True))  # fmt: skip
    append(sub / "agent-acompact-1.jsonl", line("k1", "summarise", isSidechain=True))
    append(root / "live-2.jsonl", line("v1", "other session", sid="live-2"))
    got = {b.session_id: [e.event_id for e in b.events] for b in restarted.poll()}
    assert got == {"live-1": ["t9"], "live-2": ["live-2:start", "v1:prompt"]}
    restarted.save()
    assert Follower([root], state).poll() == []  # everything delivered is remembered

    # what following produced is exactly what reading the whole session produces
    followed = {"live-1:start", "u1:prompt", "b1", "b1:result", "b1:commit", "t9"}
    assert {e.event_id for e in read_transcript(main).events} == followed


def test_replaced_file_is_read_again_and_bad_lines_are_reported(tmp_path: Path) -> None:
    main, state = tmp_path / "s.jsonl", tmp_path / "pos.json"
    append(main, line("u1", "one"), "not json\n", line("u2", "two"))
    follower = Follower([tmp_path], state)
    batches = follower.poll()
    assert [str(p).split(": not JSON")[0] for p in batches[0].problems] == [f"{main}:2"]
    assert [e.event_id for e in batches[0].events] == ["live-1:start", "u1:prompt", "u2:prompt"]
    follower.save()
    main.write_text(line("u9", "new"))  # shorter than the saved position: a new file
    assert ids(Follower([tmp_path], state)) == ["live-1:start", "u9:prompt"]
    state.write_text("{broken")
    assert len(ids(Follower([tmp_path], state))) == 2  # unreadable state: start over, deduplicated downstream


def test_ingest_helpers_since_closing_and_batches() -> None:
    from models.decode import decode_message
    from streams.commands.ingest import IngestError, batches, inactive_end, parse_since

    now = 1_770_000_000.0
    assert parse_since("2d", now) == now - 172_800 and parse_since("30m", now) == now - 1800
    assert parse_since("2026-02-01", now) == 1_769_904_000.0  # UTC when no zone is given
    try:
        parse_since("last week", now)
        raise AssertionError("expected IngestError")
    except IngestError as exc:
        assert "duration" in str(exc)

    root = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "transcripts"
    events = read_transcript(root / "marot-spotter/short.jsonl").events
    last = max(e.ts for e in events)
    end = inactive_end("sid", events, last + 1801, 1800)
    assert end is not None and end.ts == last and end.reason == "inactive"
    assert end == inactive_end("sid", events, last + 99_999, 1800)  # same id whenever it is computed
    assert inactive_end("sid", events, last + 1799, 1800) is None

    big = read_transcript(root / "marot-spotter/ae4a77f8-aedd-4bc1-888f-c94edc91af04.jsonl")
    many = big.events
    messages = list(batches(big.session_id, many, max_events=100))
    assert len(messages) >= len(many) // 100
    decoded = [decode_message(m, now=2e9) for m in messages]
    assert all(len(d.events) <= 100 and not d.rejections for d in decoded)
    assert [e.event_id for d in decoded for e in d.events] == [e.event_id for e in many]
