"""`sessionscope classify`: offline classification of transcript files, as a table or JSON lines."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from models.classification import SOC_MAJOR_GROUPS, UNCLEAR, Outcome, WorkMode
from streams.cli import main

SHORT = Path(__file__).resolve().parents[3] / "shared" / "data" / "transcripts" / "marot-spotter" / "short.jsonl"


def test_json_lines_carry_every_facet_and_structure(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(["classify", "--json", str(SHORT)]) == 0
    lines = capsysbinary.readouterr().out.splitlines()
    assert len(lines) == 1
    row = orjson.loads(lines[0])
    assert row["session_id"] and row["agent"] == "claude_code"
    WorkMode(row["work_mode"])
    Outcome(row["outcome"])
    assert 0 <= row["success_signal"] <= 5 and 0 <= row["failure_signal"] <= 5
    assert row["occupation"] in (*SOC_MAJOR_GROUPS, UNCLEAR)
    for key in ("turns", "actions", "actions_per_prompt", "lines_added", "code_changed", "duration_s"):
        assert key in row["structure"]
    assert set(row["derived"]) >= {"verified_success", "troubled", "abandoned"}
    # the user rejected the agent's tool calls and nothing got done
    assert row["outcome"] == "failed" and row["failure_signal"] >= 3


def test_table_and_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["classify", str(SHORT.parent)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["session", "agent", "mode"]
    assert len(out) >= 6  # one row per session of the folder (sub-agent files belong to their session)
    assert main(["classify", str(tmp_path / "missing.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err
