"""Mutated real records never make a parser raise: bad input becomes problems, not exceptions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.adapters.detect import parse_lines

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "transcripts"
SAMPLES = [
    DATA / "marot-spotter/short.jsonl",
    DATA / "marot-spotter/tool_heavy.jsonl",
    DATA / "d-kimuson-claude-code-viewer/1af7fc5e-8455-4414-9ccd-011d40f70b2a.jsonl",
    DATA / "EntityProcess-agentv/entire-checkpoints-v1/a3/92ff332928/0/full.jsonl",
    DATA / "EntityProcess-agentv/entire-checkpoints-v1/db/325365b92c/0/full.jsonl",
]
RECORDS = [json.loads(line) for path in SAMPLES for line in path.read_text().splitlines() if line.strip()]
ODD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


def _mutate(value: Any, draw: Any, depth: int = 0) -> Any:
    if isinstance(value, dict) and value and depth < 4:
        out = dict(value)
        for key in list(out):
            action = draw(st.integers(0, 9))
            if action == 0:
                del out[key]
            elif action == 1:
                out[key] = draw(ODD)
            else:
                out[key] = _mutate(out[key], draw, depth + 1)
        return out
    if isinstance(value, list) and value and depth < 4:
        return [_mutate(v, draw, depth + 1) for v in value if draw(st.integers(0, 5))]
    return draw(ODD) if draw(st.integers(0, 6)) == 0 else value


@st.composite
def mutated_lines(draw: Any) -> list[str | bytes]:
    picks = draw(st.lists(st.sampled_from(range(len(RECORDS))), min_size=1, max_size=8))
    lines: list[str | bytes] = []
    for i in picks:
        text = json.dumps(_mutate(RECORDS[i], draw))
        kind = draw(st.integers(0, 5))
        if kind == 0:
            text = text[: draw(st.integers(0, len(text)))]  # truncated line
        lines.append(draw(st.binary(max_size=40)) if kind == 1 else text)  # random bytes
    return lines


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_lines(), st.booleans())
def test_mutated_records_never_raise(lines: list[str | bytes], as_subagent: bool) -> None:
    result = parse_lines(lines, {"subagents/agent-a1.jsonl": lines} if as_subagent else None)
    assert all(p.line >= 1 for p in result.problems)
    assert len({e.event_id for e in result.events}) == len(result.events)
