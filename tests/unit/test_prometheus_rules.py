"""Prometheus config, recording rules, alerts and their unit tests, checked by promtool and amtool."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.promql_exprs import ROOT, all_expressions, dashboard_expressions, substitute

PROM_DIR = ROOT / "deploy" / "prometheus"
RULES = PROM_DIR / "rules" / "sessionscope-rules.yml"
RUNBOOK = ROOT / "docs" / "runbook.md"
ALERTMANAGER = ROOT / "deploy" / "alertmanager.yml"


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: `make tools` installs it (Debian packages prometheus and "
                     "prometheus-alertmanager)")
    return path


def run(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}"
    return result


def rules() -> list[dict[str, Any]]:
    return [rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]


def alerts() -> dict[str, dict[str, Any]]:
    return {rule["alert"]: rule for rule in rules() if "alert" in rule}


def unit_tests() -> list[dict[str, Any]]:
    files = sorted((PROM_DIR / "tests").glob("*.yml"))
    assert files, "no promtool unit tests in deploy/prometheus/tests/"
    return [test for f in files for test in yaml.safe_load(f.read_text())["tests"]]


def github_anchor(heading: str) -> str:
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_compose_prometheus_config_is_valid_and_loads_the_rules() -> None:
    out = run(tool("promtool"), "check", "config", PROM_DIR / "prometheus.yml")
    assert "sessionscope-rules.yml" in out.stdout + out.stderr


def test_kubernetes_scrape_config_is_valid() -> None:
    run(tool("promtool"), "check", "config", ROOT / "deploy" / "k8s" / "prometheus-scrape.yml")


def test_rules_are_valid() -> None:
    out = run(tool("promtool"), "check", "rules", RULES)
    assert f"{len(rules())} rules found" in out.stdout


def test_rule_unit_tests_pass() -> None:
    files = sorted((PROM_DIR / "tests").glob("*.yml"))
    out = run(tool("promtool"), "test", "rules", *files, cwd=PROM_DIR / "tests")
    assert out.stdout.count("SUCCESS") == len(files)


def test_promtool_unit_tests_catch_a_broken_threshold(tmp_path: Path) -> None:
    """The unit tests must fail when the small-sample guard goes: they test behaviour, not syntax."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "tests").mkdir()
    broken = RULES.read_text().replace("sessionscope:window_rated_sessions:max{window=\"1h\"} >= 20",
                                       "sessionscope:window_rated_sessions:max{window=\"1h\"} >= 1")
    assert broken != RULES.read_text()
    (tmp_path / "rules" / RULES.name).write_text(broken)
    for f in (PROM_DIR / "tests").glob("*.yml"):
        shutil.copy(f, tmp_path / "tests" / f.name)
    result = subprocess.run([tool("promtool"), "test", "rules", *sorted((tmp_path / "tests").glob("*.yml"))],
                            cwd=tmp_path / "tests", capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "small sample" in result.stdout + result.stderr


def test_every_alert_fires_in_a_test_and_stays_silent_in_others() -> None:
    fired: dict[str, int] = {}
    silent: dict[str, int] = {}
    for test in unit_tests():
        for case in test.get("alert_rule_test", []):
            counter = fired if case.get("exp_alerts") else silent
            counter[case["alertname"]] = counter.get(case["alertname"], 0) + 1
    for name in alerts():
        assert fired.get(name, 0) >= 1, f"{name}: no unit test where it fires"
        assert silent.get(name, 0) >= 2, f"{name}: needs unit tests where it stays silent"


def test_alerts_have_severity_summary_description_and_runbook() -> None:
    anchors = {github_anchor(line.lstrip("#")) for line in RUNBOOK.read_text().splitlines()
               if line.startswith("## ")}
    assert len(alerts()) >= 6
    for name, rule in alerts().items():
        assert rule["labels"]["severity"] in {"warning", "critical"}, name
        assert rule.get("for"), f"{name}: alerts wait before firing"
        notes = rule["annotations"]
        assert notes["summary"] and notes["description"], name
        page, _, anchor = notes["runbook"].partition("#")
        assert page == "docs/runbook.md", name
        assert anchor == name.lower() and anchor in anchors, f"{name}: no runbook section #{anchor}"


def test_required_alerts_exist() -> None:
    names = set(alerts())
    for required in ("SuccessRateDrop", "AbandonmentSpike", "DeadLetterRate", "ClassifierFallbacks",
                     "PipelineStalled", "ConsumerLag"):
        assert f"Sessionscope{required}" in names
    drop = alerts()["SessionscopeSuccessRateDrop"]["expr"]
    assert "sessionscope:window_rated_sessions:max" in drop and 'window="24h"' in drop
    stall = alerts()["SessionscopePipelineStalled"]["expr"]
    assert "sessionscope:events_processed:rate10m > 0" in stall and "sessionscope:sessions_closed" in stall


def test_dashboard_expressions_parse_with_prometheus(tmp_path: Path) -> None:
    """Prometheus' own parser, through promtool: every panel query as a recording rule."""
    exprs = [substitute(expr) for _, expr in dashboard_expressions()]
    group = {"name": "dashboard-check", "rules": [
        {"record": f"dashboard_check:expr{i}", "expr": expr} for i, expr in enumerate(exprs)]}
    path = tmp_path / "dashboards.yml"
    path.write_text(yaml.safe_dump({"groups": [group]}))
    out = run(tool("promtool"), "check", "rules", path)
    assert f"{len(exprs)} rules found" in out.stdout
    assert len(all_expressions()) > len(exprs)


def test_alertmanager_config_is_valid_and_routes_by_severity() -> None:
    amtool = tool("amtool")
    run(amtool, "check-config", ALERTMANAGER)
    critical = run(amtool, "config", "routes", "test", f"--config.file={ALERTMANAGER}",
                   "severity=critical", "alertname=SessionscopeWorkerDown")
    assert critical.stdout.strip() == "sessionscope-critical"
    warning = run(amtool, "config", "routes", "test", f"--config.file={ALERTMANAGER}",
                  "severity=warning", "alertname=SessionscopeConsumerLag")
    assert warning.stdout.strip() == "sessionscope-warning"
