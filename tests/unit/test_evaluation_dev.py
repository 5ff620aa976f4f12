"""`sessionscope evaluate` on the dev reference labels: the rule classifier meets its targets."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from models.evaluation import compare, validate
from models.session import structure
from streams.commands import evaluate
from streams.commands.classify import make_backend

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"  # third-party data, used by path
LABELS = DATA / "labels-dev.jsonl"


def test_rules_meet_the_targets_on_the_dev_labels() -> None:
    labels = evaluate.read_labels(LABELS)
    loaded = evaluate.load_labelled(labels, DATA)
    predictions = evaluate.run_backend("rules", loaded)
    report = compare(labels, predictions)
    assert report.n == len(labels) >= 25
    assert report.agreement["work_mode"] >= 0.70
    assert report.agreement["outcome"] >= 0.70
    assert report.agreement["expertise_within_1"] >= 0.80
    assert report.agreement["verified_success"] >= 0.80
    assert all(ok for *_, ok in report.targets)
    # the study's validation: coding modes show code changes; success signals track success
    v = validate([(c, structure(x.state)) for c, x in zip(predictions, loaded, strict=True)])
    assert v.code_changed_share is not None and v.code_changed_share >= 0.8
    high = [share for level, (share, n) in v.succeeded_by_success.items() if level >= 4 and n]
    assert high and min(s for s in high if s is not None) >= 0.9


def test_evaluate_command_prints_table_confusion_and_targets(capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(labels=LABELS, backend="rules", against=None, transcripts_root=None)
    assert evaluate.run(args) == 0
    out = capsys.readouterr().out
    assert "work_mode" in out and "confusion" in out and "mean absolute error" in out
    assert "build/fix sessions with code changes" in out
    assert out.strip().splitlines()[-1].endswith("all met")


def test_evaluate_reports_a_missing_label_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(labels=tmp_path / "nope.jsonl", backend="rules", against=None, transcripts_root=None)
    assert evaluate.run(args) == 2
    assert "does not exist" in capsys.readouterr().err


def test_claude_backend_without_key_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from streams.commands.classify import BackendUnavailable
    from streams.settings import get_settings

    monkeypatch.delenv("SESSIONSCOPE_ANTHROPIC_API_KEY", raising=False)
    monkeypatch.chdir(Path(__file__).parent)  # no .env here
    get_settings.cache_clear()
    try:
        with pytest.raises(BackendUnavailable, match="SESSIONSCOPE_ANTHROPIC_API_KEY"):
            make_backend("claude")
    finally:
        get_settings.cache_clear()
