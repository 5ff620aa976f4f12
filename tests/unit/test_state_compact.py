"""The compact session state keeps every measure and the changelog record of the plain one.

Evidence is checked against a reference: the list-per-item algorithm it replaced, kept here.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.decode import decode_message
from models.evidence import ITEM_CAP, Evidence
from models.generator import generate, messages
from models.session import EMPTY, SessionState, apply, new_session, structure

NOW = 1_780_000_000.0


class ReferenceEvidence:
    """The former implementation: [ts, kind, text] lists in a head list and a tail list (with the
    accounting fix: a dropped empty item gives back the 1 character it took)."""

    def __init__(self, turn_chars: int, session_chars: int) -> None:
        self.turn_chars, self.session_chars = turn_chars, session_chars
        self.head: list[list[Any]] = []
        self.tail: list[list[Any]] = []
        self.head_used = self.tail_used = self.turn_used = self.dropped = 0

    def add(self, ts: float, kind: str, text: str, *, new_turn: bool = False) -> None:
        if new_turn:
            self.turn_used = 0
        cap = min(ITEM_CAP.get(kind, 240), self.turn_chars - self.turn_used)
        if cap <= 0:
            self.dropped += 1
            return
        if len(text) > cap:
            text = text[: max(cap - 1, 0)] + "…"
        size = max(len(text), 1)
        self.turn_used += size
        reserve = self.session_chars // 5
        if self.head_used + size <= self.session_chars - reserve:
            self.head.append([ts, kind, text])
            self.head_used += size
            return
        self.tail.append([ts, kind, text])
        self.tail_used += size
        while self.tail_used > reserve and self.tail:
            self.tail_used -= max(len(self.tail.pop(0)[2]), 1)
            self.dropped += 1

    def to_dict(self) -> dict[str, Any]:
        return {"tc": self.turn_chars, "sc": self.session_chars, "h": self.head, "t": self.tail,
                "hu": self.head_used, "tu": self.tail_used, "u": self.turn_used, "d": self.dropped, "p": "keep"}


adds = st.lists(st.tuples(st.floats(0, 100, allow_nan=False), st.sampled_from([*ITEM_CAP, "other"]),
                          st.text(max_size=70), st.booleans()), max_size=80)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(adds, st.integers(1, 200), st.integers(5, 600), st.integers(0, 80))
def test_evidence_matches_the_list_per_item_algorithm(items: list, turn: int, session: int, cut: int) -> None:
    ev, ref = Evidence(turn, session), ReferenceEvidence(turn, session)
    snapshot = None
    for i, (ts, kind, text, new_turn) in enumerate(items):
        ev.add(ts, kind, text, new_turn=new_turn)
        ref.add(ts, kind, text, new_turn=new_turn)
        if i == cut:
            snapshot = (ev.clone(), orjson.dumps(ref.to_dict()))
    assert orjson.dumps(ev.to_dict()) == orjson.dumps(ref.to_dict())
    assert ev.head == ref.head and ev.tail == ref.tail
    merged = sorted(((it[0], n, it[1], it[2]) for n, it in enumerate(ref.head + ref.tail)), key=lambda x: x[:2])
    assert ev.items() == [(ts, kind, text) for ts, _, kind, text in merged]
    again = Evidence.from_dict(orjson.loads(orjson.dumps(ev.to_dict())))
    assert again == ev and orjson.dumps(again.to_dict()) == orjson.dumps(ev.to_dict())
    if snapshot is not None:  # a clone does not see what is added to the original later
        assert orjson.dumps(snapshot[0].to_dict()) == snapshot[1]


def _states(policy: str = "keep") -> dict[str, SessionState]:
    sessions = generate(60, seed=4, start=NOW - 86400, span_s=80000, end_probability=0.7)
    states: dict[str, SessionState] = {}
    for _, key, value in messages(sessions, batch_events=9):
        stored = states.get(key)
        state = stored.clone() if stored is not None else new_session(key, session_chars=4000, text_policy=policy)
        for event in decode_message(value, now=NOW).events:
            apply(state, event)
        states[key] = state
    return states


def test_changelog_round_trip_and_clone_keep_the_record_byte_for_byte() -> None:
    for state in _states().values():
        record = orjson.dumps(state.to_dict())
        assert orjson.dumps(SessionState.from_dict(orjson.loads(record)).to_dict()) == record
        assert orjson.dumps(state.clone().to_dict()) == record
        assert SessionState.from_dict(orjson.loads(record)) == state


def test_generated_sessions_measure_what_the_generator_intended() -> None:
    sessions = generate(40, seed=6, start=NOW - 86400, span_s=80000, end_probability=1.0)
    for s in sessions:
        state = new_session(s.session_id)
        for _, _, value in messages([s], batch_events=13):
            for event in decode_message(value, now=NOW).events:
                apply(state, event)
        got = structure(state)
        assert {k: got[k] for k in ("turns", "actions", "events", "commits")} == {
            k: s.truth[k] for k in ("turns", "actions", "events", "commits")}


def test_empty_counter_maps_are_shared_read_only_and_never_written_through() -> None:
    a, b = new_session("a"), new_session("b")
    assert a.files is EMPTY and b.files is EMPTY and a.to_dict()["files"] == {}
    record = orjson.dumps(a.to_dict())
    assert SessionState.from_dict(orjson.loads(record)).cmds is EMPTY
    event = {"event_id": "e1", "session_id": "a", "ts": NOW, "type": "tool_call", "call_id": "c", "name": "Edit",
             "input": {"file_path": "x.py", "old_string": "a", "new_string": "b"}}
    copy = a.clone()
    apply(a, decode_message(orjson.dumps(event), now=NOW).events[0])
    assert a.files == {"code": 1} and a.tools == {"Edit": 1}
    assert EMPTY == {} and b.files == {} and copy.files == {} and copy.tools == {}
    copy2 = a.clone()
    apply(a, decode_message(orjson.dumps({**event, "event_id": "e2"}), now=NOW).events[0])
    assert copy2.files == {"code": 1} and a.files == {"code": 2}


def test_repeated_strings_are_shared_between_sessions() -> None:
    states = list(_states().values())
    by_value: dict[str, int] = {}
    for s in states:
        for value in (s.agent, s.user, *s.tools):
            assert value is not None
            assert by_value.setdefault(value, id(value)) == id(value)


def test_evidence_kinds_beyond_the_codes_are_refused_not_written_as_broken_utf8() -> None:
    from models import evidence

    ev = Evidence()
    added = []
    try:
        with pytest.raises(ValueError, match="too many evidence kinds"):
            for i in range(200):
                kind = f"kind-{i}"
                ev.add(float(i), kind, "é")
                added.append(kind)
        assert ev.items()[-1][1:] == (added[-1], "é")  # every code given out still reads back
    finally:
        for kind in added:
            if kind in evidence._CODES:
                evidence._KINDS.remove(kind)
                del evidence._CODES[kind]
