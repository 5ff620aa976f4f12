"""An enormous session: the measures stay exact while the state (the changelog record) stays bounded."""

from __future__ import annotations

import orjson

from models.events import EVENT_ADAPTER
from models.session import MAX_IDS, apply, new_session, structure

T0 = 1_780_000_000.0
TURNS, CALLS_PER_TURN = 5_000, 10


def _events(turns: int, calls: int, prompt_text: str = "please refactor the parser and keep the tests green"):
    n = 0
    for t in range(turns):
        yield {"event_id": f"p{t}", "type": "prompt", "text": prompt_text}
        for c in range(calls):
            n += 1
            yield {"event_id": f"c{n}", "type": "tool_call", "call_id": f"k{n}", "name": "Edit",
                   "input": {"file_path": f"src/mod{c}.py", "old_string": "a\nb", "new_string": "a\nb\nc"}}
            yield {"event_id": f"r{n}", "type": "tool_result", "call_id": f"k{n}", "is_error": n % 100 == 0,
                   "output": "x" * 3000}
        yield {"event_id": f"a{t}", "type": "assistant_text", "text": "word " * 400}


def _fold(events, state):
    sizes = []
    for i, raw in enumerate(events):
        apply(state, EVENT_ADAPTER.validate_python({**raw, "session_id": "big", "ts": T0 + i * 0.01}))
        if i % 20_000 == 0:
            sizes.append(len(orjson.dumps(state.to_dict())))
    return sizes


def test_measures_exact_and_state_bounded():
    state = new_session("big")
    sizes = _fold(_events(TURNS, CALLS_PER_TURN), state)
    calls = TURNS * CALLS_PER_TURN
    s = structure(state)
    assert s["turns"] == TURNS
    assert s["actions"] == calls
    assert s["lines_added"] == 3 * calls and s["lines_removed"] == 2 * calls
    assert s["errors"] == calls // 100
    assert s["events"] == TURNS * 2 + calls * 2
    assert s["words_per_turn"] == 400
    assert s["actions_per_prompt"] == CALLS_PER_TURN
    # evidence is bounded by the study's truncation; id digests are capped
    ev = state.evidence
    kept = sum(len(item[2]) for item in ev.head + ev.tail)
    assert kept <= ev.session_chars and ev.head_used + ev.tail_used == kept
    assert ev.dropped > 0
    assert len(state.ids) == MAX_IDS and state.ids_overflow == s["events"] - MAX_IDS
    record = orjson.dumps(state.to_dict())
    assert len(record) < 16 * MAX_IDS + 2 * ev.session_chars + 20_000  # hex digests + evidence + counters
    assert max(sizes[len(sizes) // 2:]) <= sizes[len(sizes) // 2] * 1.1  # no growth once the caps are reached


def test_items_without_text_do_not_grow_the_evidence_without_bound():
    state = new_session("big")
    _fold(_events(30_000, 0, prompt_text=""), state)
    ev = state.evidence
    assert structure(state)["turns"] == 30_000
    assert len(ev.head) + len(ev.tail) <= ev.session_chars
    assert len(orjson.dumps(ev.to_dict())) < 200 * 1000
