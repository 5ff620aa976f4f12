import gc
from pathlib import Path

import pytest
from pydantic import ValidationError

from streams.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_documented_in_env_example():
    text = (ROOT / ".env.example").read_text()
    for name in Settings.model_fields:
        assert f"SESSIONSCOPE_{name.upper()}=" in text, name


def test_environment_is_read_with_prefix_and_validated(monkeypatch):
    monkeypatch.setenv("SESSIONSCOPE_BROKER", "broker-1:9092")
    monkeypatch.setenv("SESSIONSCOPE_INACTIVITY_GAP_S", "60")
    s = Settings()
    assert s.broker == "kafka://broker-1:9092" and s.bootstrap == "broker-1:9092"
    assert s.inactivity_gap_s == 60
    monkeypatch.setenv("SESSIONSCOPE_INACTIVITY_GAP_S", "-1")
    with pytest.raises(ValidationError):
        Settings()


def test_api_key_is_secret(monkeypatch):
    monkeypatch.setenv("SESSIONSCOPE_ANTHROPIC_API_KEY", "sk-ant-very-secret")
    s = Settings()
    assert "very-secret" not in repr(s) and "very-secret" not in str(s.model_dump())
    assert s.anthropic_api_key is not None and s.anthropic_api_key.get_secret_value() == "sk-ant-very-secret"


def test_endpoints_bind_to_localhost_by_default():
    assert Settings().metrics_host == "127.0.0.1"


def test_empty_api_key_means_no_key(monkeypatch):
    monkeypatch.setenv("SESSIONSCOPE_ANTHROPIC_API_KEY", "")
    assert Settings().anthropic_api_key is None


def test_gc_threshold_is_three_whole_numbers_or_python() -> None:
    assert Settings(gc_threshold="1000,5,7").gc_thresholds == (1000, 5, 7)
    assert Settings(gc_threshold="python").gc_thresholds is None
    for bad in ("1000,5", "a,b,c", "1000,5,7,9", "-1,5,5"):
        with pytest.raises(ValidationError, match="gc_threshold"):
            Settings(gc_threshold=bad)


def test_the_worker_applies_the_gc_thresholds() -> None:
    from streams.gc_tuning import tune_gc

    before = gc.get_threshold()
    try:
        tune_gc((12345, 6, 7))
        assert gc.get_threshold() == (12345, 6, 7)
        assert gc.get_freeze_count() > 0  # what start-up built is out of the collector's sight
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_rebalance_settle_time_reaches_faust_and_is_never_negative():
    from streams.app import create_app

    assert create_app(Settings(rebalance_settle_s=3)).app.conf.stream_recovery_delay == 3.0
    assert create_app(Settings()).app.conf.stream_recovery_delay == 0.0
    with pytest.raises(ValidationError, match="rebalance_settle_s"):
        Settings(rebalance_settle_s=-1)


def test_workers_that_may_not_declare_topics_tell_faust_and_the_plan_names_faust_s_topics():
    from streams.app import create_app
    from streams.topics import state_topic_plan

    assert create_app(Settings()).app.conf.topic_allow_declare is True
    app = create_app(Settings(declare_topics=False, app_id="x", partitions=3)).app
    assert app.conf.topic_allow_declare is False
    plan = state_topic_plan(Settings(declare_topics=False, app_id="x", partitions=3))
    changelogs = {t.changelog_topic.get_topic_name(): t.changelog_topic.partitions for t in app.tables.values()}
    assert changelogs == {"x-sessions-changelog": 3, "x-contributions-changelog": 1, "x-windows-changelog": 1}
    assert {name: n for name, (n, _) in plan.items()} == {**changelogs, "x-__assignor-__leader": 1}
    # a changelog provisioned without compaction would keep every revision of every session forever
    assert all(plan[name][1] == {"cleanup.policy": "compact"} for name in changelogs)
