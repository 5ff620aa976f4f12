import random

from models.events import EVENT_ADAPTER
from models.session import SessionState, apply, new_session, structure

T0 = 1_780_000_000.0


def events():
    raw = [
        {"type": "session_start", "cwd": "/x/proj"},
        {"type": "prompt", "text": "add a login page"},
        {"type": "tool_call", "call_id": "c1", "name": "Read", "input": {"file_path": "app/login.py"}},
        {"type": "tool_result", "call_id": "c1"},
        {
            "type": "tool_call",
            "call_id": "c2",
            "name": "Edit",
            "input": {"file_path": "app/login.py", "old_string": "a\nb", "new_string": "a\nb\nc"},
        },
        {"type": "tool_result", "call_id": "c2", "is_error": True, "output": "no match"},
        {"type": "assistant_text", "text": "I added the login page now", "output_tokens": 12},
        {"type": "prompt", "text": "no, that's wrong, use the form component"},
        {"type": "tool_call", "call_id": "c3", "name": "Bash", "input": {"command": "pytest -q"}},
        {"type": "test_run", "ok": True, "command": "pytest -q"},
        {"type": "commit", "ok": True, "message": "login"},
        {"type": "user_feedback", "kind": "interrupt"},
        {"type": "error", "kind": "api_error", "message": "overloaded"},
        {"type": "assistant_text", "text": "done", "output_tokens": 3},
        {"type": "session_end"},
    ]
    return [
        EVENT_ADAPTER.validate_python({"event_id": f"e{i}", "session_id": "s", "ts": T0 + i, **e})
        for i, e in enumerate(raw)
    ]


EXPECTED = {
    "turns": 2, "actions": 3, "actions_per_prompt": 1.5, "words_per_turn": 3.5, "lines_added": 3,
    "lines_removed": 2, "code_changed": True, "commits": 1, "pull_requests": 0, "test_runs": 1, "test_passes": 1,
    "test_failures": 0, "errors": 2, "user_corrections": 2, "duration_s": 14.0, "output_tokens": 15, "events": 15,
}  # fmt: skip


def run(evts):
    s = new_session("s")
    for e in evts:
        apply(s, e)
    return s


def test_structure_measures():
    s = run(events())
    assert structure(s) == EXPECTED
    assert s.ended and s.project == "/x/proj"


def test_out_of_order_and_duplicates_give_the_same_result():
    evts = events()
    for seed in range(5):
        shuffled = evts + evts[:7]
        random.Random(seed).shuffle(shuffled)
        assert structure(run(shuffled)) == EXPECTED


def test_split_across_batches_and_serialised_between_them():
    evts = events()
    s = run(evts[:6])
    s = SessionState.from_dict(s.to_dict())  # as after a changelog round trip
    for e in evts[3:]:  # overlap: 3..5 are replays
        apply(s, e)
    assert structure(s) == EXPECTED


def test_apply_reports_duplicates():
    e = events()[1]
    s = new_session("s")
    assert apply(s, e) is True
    assert apply(s, e) is False
    assert s.count("turns") == 1


def test_evidence_respects_the_studys_truncation():
    s = new_session("s", turn_chars=5000, session_chars=25000)
    for i in range(200):
        e = EVENT_ADAPTER.validate_python(
            {"event_id": f"p{i}", "session_id": "s", "ts": T0 + i, "type": "prompt", "text": "word " * 3000}
        )
        apply(s, e)
    ev = s.evidence
    assert ev.head_used + ev.tail_used <= 25000
    assert all(len(text) <= 5000 for _, _, text in ev.items())
    assert ev.dropped > 0 and s.count("turns") == 200  # measures are complete even when evidence is cut
    # the end of the session is kept too
    assert max(ts for ts, _, _ in ev.items()) == T0 + 199
