"""Adapters on the real transcripts in ../shared/data/transcripts (read by path, never copied)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from models.adapters.detect import detect_format, parse_lines
from models.session import apply, new_session, structure
from streams.commands.ingest import ingest_files
from streams.settings import Settings
from streams.transcript_files import discover, read_transcript

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data" / "transcripts"
ALL_FILES = sorted(DATA.rglob("*.jsonl"))


def _state(path: Path):  # type: ignore[no-untyped-def]
    result = read_transcript(path)
    state = new_session(result.session_id)
    for event in result.events:
        apply(state, event)
    return result, state


def test_data_is_there() -> None:
    assert len(ALL_FILES) >= 40, f"expected the shared transcripts under {DATA}"


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: str(p.relative_to(DATA)))
def test_every_file_parses_without_exception(path: Path) -> None:
    lines = path.read_bytes().splitlines()
    result = parse_lines(lines, session_hint=path.stem)
    assert result.problems == []
    assert result.agent == detect_format(lines)
    assert len({e.event_id for e in result.events}) == len(result.events)  # no id emitted twice
    assert all(e.session_id == result.session_id for e in result.events)


# Expected numbers come from an independent reading of each file with plain `json` (not the
# adapters): turns = non-sidechain user records with text that is not isMeta / isCompactSummary /
# a tag wrapper / an interrupt (slash commands other than /clear /compact /mcp /model count);
# actions = distinct tool_use ids over main file, agent_progress copies and subagents/ files
# (acompact excluded); tool errors = distinct is_error tool_results that are not rejections;
# output tokens = sum over distinct message.id of the largest usage.output_tokens. Codex: turns =
# event_msg user_message, actions = response_item *_call records, errors = outputs with a non-zero
# exit code, tokens = last total_token_usage.output_tokens. Copilot: turns = user.message, actions =
# distinct toolCallIds, errors = tool.execution_complete success false, tokens = sum outputTokens.
VERIFIED = [
    # path, agent, turns, actions, tool errors, output tokens
    ("marot-spotter/short.jsonl", "claude_code", 1, 2, 0, 13),  # 2.1.38, two rejections + interrupt
    ("d-kimuson-claude-code-viewer/fe5e1c67-53e7-4862-81ae-d0e013e3270b.jsonl", "claude_code", 2, 167, 23, 51933),
    ("marot-spotter/258c7280-ae70-4798-800f-63464d01a85d.jsonl", "claude_code", 2, 188, 6, 38902),  # 2.1.39
    ("EntityProcess-agentv/entire-checkpoints-v1/7a/d2528cc37f/0/full.jsonl", "claude_code", 1, 17, 1, 2070),
    ("FSM1-cipher-box/entire-checkpoints-v1/c6/44f3afc869/1/full.jsonl", "claude_code", 7, 108, 2, 10131),
    ("EntityProcess-agentv/entire-checkpoints-v1/a3/92ff332928/0/full.jsonl", "codex", 2, 23, 3, 2958),
    ("EntityProcess-agentv/entire-checkpoints-v1/26/9e1b9e5502/0/full.jsonl", "copilot_cli", 1, 68, 1, 19254),
]


@pytest.mark.parametrize(("rel", "agent", "turns", "actions", "tool_errors", "tokens"), VERIFIED)
def test_structure_matches_independent_count(
    rel: str, agent: str, turns: int, actions: int, tool_errors: int, tokens: int
) -> None:
    result, state = _state(DATA / rel)
    s = structure(state)
    assert result.agent == agent
    assert (s["turns"], s["actions"], state.count("tool_errors"), s["output_tokens"]) == (
        turns, actions, tool_errors, tokens,
    )  # fmt: skip


def test_sidechain_and_subagent_files_belong_to_the_parent() -> None:
    result, state = _state(DATA / "marot-spotter/fa812bfe-b295-4cca-9c2f-fdf01028cb46.jsonl")
    assert result.session_id == "fa812bfe-b295-4cca-9c2f-fdf01028cb46"
    # 46 sub-agent tool calls, each in a subagent file and in an agent_progress copy: counted once
    assert state.count("subagent_actions") == 46
    _, inline_state = _state(DATA / "d-kimuson-claude-code-viewer/5c0375b4-57a5-4f26-b12d-d022ee4e51b7.jsonl")
    assert inline_state.count("subagent_actions") > 0 and inline_state.count("turns") == 1


def test_compaction_files_are_not_agent_actions() -> None:
    path = DATA / "marot-spotter/ae4a77f8-aedd-4bc1-888f-c94edc91af04.jsonl"
    with_compaction = read_transcript(path)
    subs = {f"subagents/{p.name}": p.read_bytes().splitlines()
            for p in sorted((path.with_suffix("") / "subagents").glob("*.jsonl"))}  # fmt: skip
    assert any("acompact" in k for k in subs)
    without = parse_lines(path.read_bytes().splitlines(), {k: v for k, v in subs.items() if "acompact" not in k})
    assert [e.event_id for e in with_compaction.events] == [e.event_id for e in without.events]


def test_outcomes_rejections_interrupts_and_pr_links() -> None:
    _, short = _state(DATA / "marot-spotter/short.jsonl")
    assert (short.count("rejected_tools"), short.count("interrupts"), short.count("user_corrections")) == (2, 1, 3)
    pr_result, pr_state = _state(DATA / "EntityProcess-agentv/entire-checkpoints-v1/7a/d2528cc37f/0/full.jsonl")
    urls = {e.url for e in pr_result.events if e.type == "pull_request"}
    assert urls == {"https://github.com/EntityProcess/agentv/pull/754"}
    assert pr_state.count("pull_requests") == 1 and pr_state.count("commits") == 2
    _, tests = _state(DATA / "marot-spotter/8463c716-a2ea-4c14-9efa-87158ebd9f20.jsonl")
    assert tests.count("test_runs") == 12 and tests.count("test_failures") == 7


def test_parsing_twice_gives_the_same_ids_and_applying_twice_changes_nothing() -> None:
    for rel in ("marot-spotter/258c7280-ae70-4798-800f-63464d01a85d.jsonl",
                "EntityProcess-agentv/entire-checkpoints-v1/b9/220e73bdf9/1/full.jsonl",
                "EntityProcess-agentv/entire-checkpoints-v1/d8/8be769afd1/0/full.jsonl"):  # fmt: skip
        first, state = _state(DATA / rel)
        second = read_transcript(DATA / rel)
        assert [e.event_id for e in first.events] == [e.event_id for e in second.events]
        before = state.to_dict()
        assert not any(apply(state, e) for e in second.events)
        assert state.to_dict() == before


def test_discover_skips_subagent_files_unless_orphaned() -> None:
    found = list(discover([DATA]))
    assert DATA / "marot-spotter/258c7280-ae70-4798-800f-63464d01a85d.jsonl" in found
    assert not any(p.parent.name == "subagents" and "258c7280" in str(p) for p in found)
    assert any("6c2214d7" in str(p) for p in found)  # its main file is missing
    assert len(found) == 30


async def test_dry_run_reports_every_transcript() -> None:
    out, err = io.StringIO(), io.StringIO()
    progress = await ingest_files([DATA], Settings(), since=None, dry_run=True, now=2e9, out=out, err=err)
    rows = out.getvalue().splitlines()
    assert len(rows) == 30 == progress.files
    row = next(r for r in rows if "short.jsonl" in r).split("\t")
    # 9 events from the file + the closing "inactive" session_end (now is far after the session)
    assert row[1:] == ["claude_code", "55604662-cf2a-4331-851a-ec234028f8ca", "10 events", "0 problems"]
    assert progress.sessions == 30 and progress.problems == 0
    assert "files 30" in err.getvalue()
