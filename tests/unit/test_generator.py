"""The synthetic session generator: determinism, truth = reducer, calibration, wire form, disorder."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import orjson
import pytest

from models import calibration as cal
from models.decode import decode_message
from models.features import file_kind
from models.generator import GeneratedSession, Message, disorder, generate, messages
from models.generator_text import CORRECTIONS, CORRECTIONS_I18N, FOLLOW_UPS, FOLLOW_UPS_I18N, NO_GOAL, TASKS, TASKS_I18N
from models.language import is_correction
from models.session import SessionState, apply, new_session, structure
from streams.cli import main

START = 1_767_225_600.0  # 2026-01-01T00:00:00Z
SPAN = 86_400.0
NOW = START + 2 * SPAN  # the decoder's clock: after every generated event
STRUCTURE_KEYS = tuple(structure(new_session("x")))


@pytest.fixture(scope="module")
def population() -> list[GeneratedSession]:
    return generate(6000, seed=11, start=START, span_s=SPAN)


@pytest.fixture(scope="module")
def sample(population: list[GeneratedSession]) -> list[GeneratedSession]:
    return population[:2000]  # session i depends only on (seed, i): this is generate(2000, seed=11)


def replay(msgs: Iterable[Message]) -> tuple[dict[str, SessionState], int, int]:
    """Decode every message and fold it into sessions: (states, rejections, events applied twice)."""
    states: dict[str, SessionState] = {}
    rejections = ignored = 0
    for _, key, value in msgs:
        decoded = decode_message(value, now=NOW)
        rejections += len(decoded.rejections)
        for event in decoded.events:
            assert event.session_id == key
            state = states.get(key) or states.setdefault(key, new_session(key))
            ignored += not apply(state, event)
    return states, rejections, ignored


def test_same_seed_same_sessions_and_a_larger_run_extends_a_smaller_one() -> None:
    a = generate(40, seed=3, start=START, span_s=SPAN)
    b = generate(40, seed=3, start=START, span_s=SPAN)
    assert [(s.session_id, s.events, s.truth) for s in a] == [(s.session_id, s.events, s.truth) for s in b]
    assert [s.events for s in generate(10, seed=3, start=START, span_s=SPAN)] == [s.events for s in a[:10]]
    other = generate(40, seed=4, start=START, span_s=SPAN)
    assert {s.session_id for s in other}.isdisjoint(s.session_id for s in a)


def test_truth_is_what_the_reducer_computes_from_the_decoded_messages(sample: list[GeneratedSession]) -> None:
    states, rejections, ignored = replay(messages(sample))
    assert rejections == 0 and ignored == 0
    assert len(states) == len(sample)
    for s in sample:
        got = structure(states[s.session_id])
        assert got == {k: s.truth[k] for k in STRUCTURE_KEYS}, s.session_id
    # the sample exercises every measure, so equality above is not vacuous
    for key in ("commits", "pull_requests", "test_passes", "test_failures", "errors", "user_corrections"):
        assert sum(s.truth[key] for s in sample) > 20, key


def test_events_are_well_formed(sample: list[GeneratedSession]) -> None:
    ids: set[str] = set()
    for s in sample[:500]:
        ts = [e["ts"] for e in s.events]
        assert ts == sorted(ts) and ts[0] >= START and ts[-1] <= START + SPAN + 0.001
        assert s.events[0]["type"] == "session_start"
        assert all(e["session_id"] == s.session_id and e["agent"] == s.agent for e in s.events)
        ids.update(e["event_id"] for e in s.events)
        assert s.truth["expertise"] == s.expertise and s.truth["rated"] == (s.truth["outcome"] != "no_clear_goal")
    assert len(ids) == sum(len(s.events) for s in sample[:500])  # stable and unique


def test_end_probability_decides_which_sessions_close_by_an_end_event() -> None:
    never = generate(100, seed=2, start=START, span_s=SPAN, end_probability=0.0)
    always = generate(100, seed=2, start=START, span_s=SPAN, end_probability=1.0)
    assert not any(e["type"] == "session_end" for s in never for e in s.events)
    assert all(s.events[-1]["type"] == "session_end" for s in always)


def test_work_modes_expertise_and_no_clear_goal_follow_the_study(population: list[GeneratedSession]) -> None:
    n = len(population)
    modes = Counter(s.truth["work_mode"] for s in population)
    pairs = {"fix": ("fix",), "build": ("build",), "operate": ("operate",), "pu": ("plan", "understand"),
             "aw": ("analyze", "write"), "to": ("test", "orchestrate")}  # fmt: skip
    study = {"fix": 0.26, "build": 0.25, "operate": 0.17, "pu": 0.14, "aw": 0.13, "to": 0.05}
    for name, members in pairs.items():
        assert sum(modes[m] for m in members) / n == pytest.approx(study[name], abs=0.02), name
    levels = Counter(s.expertise for s in population)
    for level, share in cal.EXPERTISE_MIX.items():
        assert levels[level] / n == pytest.approx(share, abs=0.02), level
    no_goal = sum(s.truth["outcome"] == "no_clear_goal" for s in population) / n
    assert no_goal == pytest.approx(0.077, abs=0.012)


def test_success_rates_by_expertise_follow_the_study(population: list[GeneratedSession]) -> None:
    for level in range(1, 6):
        rated = [s.truth for s in population if s.expertise == level and s.truth["rated"]]
        verified = statistics.mean(t["verified_success"] for t in rated)
        partial = statistics.mean(t["at_least_partial"] for t in rated)
        assert verified == pytest.approx(cal.VERIFIED_SUCCESS[level], abs=0.05), level
        assert partial == pytest.approx(cal.AT_LEAST_PARTIAL[level], abs=0.05), level
    # no-clear-goal sessions are excluded from rates
    assert all(s.truth["verified_success"] is None for s in population if not s.truth["rated"])


def test_signals_show_in_the_events(sample: list[GeneratedSession]) -> None:
    for s in sample:
        t = s.truth
        hard = t["commits"] + t["test_passes"] + sum(e["type"] == "user_feedback" and e["kind"] == "affirm"
                                                     for e in s.events)  # fmt: skip
        if t["success_signal"] < 4:  # no hard success signal at all
            assert t["commits"] == 0 and not any(e.get("kind") == "affirm" for e in s.events), s.session_id
        if t["success_signal"] == 5 and t["work_mode"] in ("build", "fix", "write"):
            assert hard >= 1
        if t["failure_signal"] == 0:
            assert t["user_corrections"] == 0
        if t["failure_signal"] == 1:
            assert t["errors"] >= 1


def test_session_shape_follows_the_study(population: list[GeneratedSession]) -> None:
    turns = [s.truth["turns"] for s in population]
    assert statistics.mean(turns) == pytest.approx(cal.MEAN_TURNS, abs=0.3)
    assert statistics.median(turns) < statistics.mean(turns)  # skewed: many short sessions, a long tail
    apt = [s.truth["actions_per_prompt"] for s in population]
    assert 0.01 <= sum(a > 100 for a in apt) / len(apt) <= 0.03
    for level in range(1, 6):
        mine = [s.truth for s in population if s.expertise == level]
        actions = statistics.mean(t["actions_per_prompt"] for t in mine)
        words = statistics.mean(t["words_per_turn"] for t in mine)
        assert actions == pytest.approx(cal.ACTIONS_PER_PROMPT[level], rel=0.2), level
        assert words == pytest.approx(cal.WORDS_PER_TURN[level], rel=0.1), level


def test_decision_shares_go_with_actions_per_turn(population: list[GeneratedSession]) -> None:
    t = [s.truth for s in population]
    assert statistics.mean(x["user_planning_share"] for x in t) == pytest.approx(0.70, abs=0.03)
    assert statistics.mean(x["user_execution_share"] for x in t) == pytest.approx(0.20, abs=0.03)
    user_executes = [x["actions_per_prompt"] for x in t if x["user_execution_share"] > 0.8]
    agent_plans = [x["actions_per_prompt"] for x in t if x["user_planning_share"] < 0.2]
    assert statistics.median(agent_plans) > 1.5 * statistics.median(user_executes)


def test_prompt_vocabulary_fits_the_mode_and_corrections_read_as_corrections() -> None:
    fill = {"code": "src/app/api.py", "test": "tests/test_api.py", "file": "x.py", "data": "data/a.csv",
            "area": "login", "feature": "pagination"}  # fmt: skip
    plain = [t.format_map(fill) for m in TASKS for t in TASKS[m] + TASKS_I18N[m]]
    plain += [t.format_map(fill) for t in FOLLOW_UPS + FOLLOW_UPS_I18N + tuple(p for v in NO_GOAL.values() for p in v)]
    assert not [t for t in plain if is_correction(t)]
    assert all(is_correction(t.format_map(fill)) for t in CORRECTIONS + CORRECTIONS_I18N)
    words = {"fix": ("fix", "bug"), "build": ("add", "implement", "create", "refactor", "migrate", "build"),
             "test": ("test", "review"), "orchestrate": ("agent", "eval"), "understand": ("explain", "walk me",
             "what does", "how is"), "operate": ("deploy", "configure", "set up", "install", "upgrade", "rotate"),
             "plan": ("plan", "design", "propose"), "analyze": ("analyze", "compute", "what drives"),
             "write": ("write", "draft", "docs", "slides")}  # fmt: skip
    for mode, templates in TASKS.items():
        for text in templates:
            assert any(w in text.lower() for w in words[mode]), text


def test_files_touched_fit_the_mode(sample: list[GeneratedSession]) -> None:
    edited: dict[str, Counter[str]] = {}
    for s in sample:
        for e in s.events:
            path = e["type"] == "tool_call" and (e["input"].get("file_path") or e["input"].get("path"))
            if path and e["name"] in ("Edit", "Write", "MultiEdit", "edit", "create"):
                edited.setdefault(s.truth["work_mode"], Counter())[file_kind(path)] += 1
    assert edited["write"].most_common(1)[0][0] == "docs"
    assert edited["test"].most_common(1)[0][0] == "test"
    assert edited["operate"].most_common(1)[0][0] == "config"
    assert edited["fix"].most_common(1)[0][0] == "code"
    assert "understand" not in edited  # explaining code changes nothing
    coding = [s.truth["code_changed"] for s in sample if s.truth["work_mode"] in ("build", "fix")]
    assert statistics.mean(coding) > 0.85  # study: over 90% of sessions labelled as changing code do


def test_messages_keep_every_event_keyed_by_session(sample: list[GeneratedSession]) -> None:
    sessions = sample[:300]
    by_id = {s.session_id: s for s in sessions}
    msgs = list(messages(sessions, batch_events=20))
    assert [m[0] for m in msgs] == sorted(m[0] for m in msgs)  # event-time order
    seen: list[str] = []
    for ts, key, value in msgs:
        doc = orjson.loads(value)
        assert doc["session_id"] == key and 1 <= len(doc["events"]) <= 20
        assert all(e["session_id"] == key for e in doc["events"]) and ts == max(e["ts"] for e in doc["events"])
        seen += [e["event_id"] for e in doc["events"]]
    assert sorted(seen) == sorted(e["event_id"] for s in sessions for e in s.events)
    assert len(msgs) > len(sessions)  # sessions are split at quiet gaps, and interleave
    singles = list(messages(sessions[:20], single=True))
    assert len(singles) == sum(len(s.events) for s in sessions[:20])
    assert all(orjson.loads(v)["event_id"] and k in by_id for _, k, v in singles)


def test_disorder_reports_the_duplicates_an_idempotent_reducer_ignores(sample: list[GeneratedSession]) -> None:
    sessions = sample[:300]
    msgs = list(messages(sessions))
    shaken, duplicates = disorder(msgs, seed=9, duplicate_rate=0.05, reorder_rate=0.1)
    assert duplicates > 0 and len(shaken) == len(msgs) + round(len(msgs) * 0.05)
    assert [m[0] for m in shaken] != sorted(m[0] for m in shaken)  # out of order
    states, rejections, ignored = replay(shaken)
    assert rejections == 0 and ignored == duplicates
    for s in sessions:
        assert structure(states[s.session_id]) == {k: s.truth[k] for k in STRUCTURE_KEYS}
    assert disorder(msgs, seed=9, duplicate_rate=0.05) == disorder(msgs, seed=9, duplicate_rate=0.05)


def test_time_is_compressed_into_a_short_span() -> None:
    sessions = generate(50, seed=1, start=START, span_s=60.0)
    assert all(START <= e["ts"] <= START + 60.001 for s in sessions for e in s.events)
    states, rejections, _ = replay(messages(sessions))
    assert rejections == 0
    assert all(structure(states[s.session_id]) == {k: s.truth[k] for k in STRUCTURE_KEYS} for s in sessions)


def test_generate_command_writes_jsonl_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, truth = tmp_path / "m.jsonl", tmp_path / "t.jsonl"
    code = main(["generate", "25", "--seed", "4", "--jsonl", str(out), "--truth", str(truth),
                 "--start", "2026-01-01T00:00:00Z", "--span-hours", "2"])  # fmt: skip
    assert code == 0
    lines = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    states, rejections, _ = replay((x["ts"], x["key"], orjson.dumps(x["value"])) for x in lines)
    assert rejections == 0 and len(states) == 25
    expected = generate(25, seed=4, start=START, span_s=7200.0)
    assert sum(len(s.events) for s in expected) == sum(st.count("events") for st in states.values())
    assert len(truth.read_bytes().splitlines()) == 25
    assert "25 sessions" in capsys.readouterr().out
    assert main(["generate", "5", "--jsonl", str(out), "--start", "2026-01-01T00:00:00"]) == 2  # no zone
