"""Grafana dashboards and the PromQL they and the alert rules use."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import promql_parser
import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase

from streams import metrics
from tests.promql_exprs import (
    DASHBOARD_DIR,
    ROOT,
    TEMPLATE_VALUES,
    all_expressions,
    dashboard_expressions,
    rule_expressions,
    substitute,
)

# Gauges read from the windowed tables at scrape time (not registered in streams/metrics.py).
WINDOW_GAUGES = {
    "sessionscope_window_sessions",
    "sessionscope_window_rated_sessions",
    "sessionscope_window_work_mode_sessions",
    "sessionscope_window_work_mode_share",
    "sessionscope_window_outcome_rate",
    "sessionscope_window_actions_per_prompt",
    "sessionscope_window_words_per_prompt",
    "sessionscope_window_user_planning_share",
    "sessionscope_window_user_execution_share",
    "sessionscope_window_end_timestamp_seconds",
}
# prometheus_client's process collector, and the series Prometheus adds to every target.
PROCESS_METRICS = {
    "process_resident_memory_bytes",
    "process_virtual_memory_bytes",
    "process_cpu_seconds_total",
    "process_start_time_seconds",
    "process_open_fds",
    "process_max_fds",
}
SCRAPE_METRICS = {"up"}
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}
BUILTIN_VARIABLES = {"__rate_interval", "__interval", "__range"}


def load_build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("grafana_build", ROOT / "grafana" / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def dashboards() -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_text()) for p in sorted(DASHBOARD_DIR.glob("*.json"))}


def panels(board: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for panel in board["panels"]:
        out.append(panel)
        out.extend(panel.get("panels", []))
    return out


def process_metric_names() -> set[str]:
    """Exposed sample names of every metric object in streams/metrics.py."""
    names: set[str] = set()
    for obj in vars(metrics).values():
        if isinstance(obj, MetricWrapperBase):
            for family in obj.describe():
                names.update(family.name + suffix for suffix in SUFFIXES[family.type])
    return names


def recorded_names() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "deploy" / "prometheus" / "rules").glob("*.yml"):
        for group in yaml.safe_load(path.read_text())["groups"]:
            names.update(rule["record"] for rule in group["rules"] if "record" in rule)
    return names


def metric_names(expr: str) -> set[str]:
    found: list[str | None] = []

    def visit(node: promql_parser.Expr) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            found.append(node.name)

    promql_parser.walk(promql_parser.parse(expr), visit)
    assert None not in found, f"selector without a metric name in {expr!r}"
    return {name for name in found if name}


def test_dashboards_exist_and_are_valid_json() -> None:
    boards = dashboards()
    assert set(boards) == {"overview.json", "pipeline.json"}
    for name, board in boards.items():
        assert board["uid"].startswith("sessionscope-"), name
        assert board["title"] and board["schemaVersion"] >= 36, name
        ids = [p["id"] for p in panels(board)]
        assert len(ids) == len(set(ids)), f"{name}: duplicate panel ids"


def test_committed_json_equals_build_output() -> None:
    rendered = load_build().render()
    assert set(rendered) == {p.name for p in DASHBOARD_DIR.glob("*.json")}
    for name, text in rendered.items():
        assert (DASHBOARD_DIR / name).read_text() == text, f"{name} is stale: run `make dashboards`"


def test_build_check_mode_detects_a_stale_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build = load_build()
    monkeypatch.setattr(build, "OUT_DIR", tmp_path)
    assert build.main([]) == 0
    assert build.main(["--check"]) == 0
    (tmp_path / "overview.json").write_text("{}\n")
    assert build.main(["--check"]) == 1


def test_every_panel_has_the_provisioned_datasource_and_queries() -> None:
    provisioned = yaml.safe_load((ROOT / "grafana/provisioning/datasources/prometheus.yaml").read_text())
    uid = provisioned["datasources"][0]["uid"]
    for name, board in dashboards().items():
        graphs = [p for p in panels(board) if p["type"] != "row"]
        assert len(graphs) >= 10, name
        for panel in graphs:
            where = f"{name}: {panel['title']}"
            assert panel["datasource"] == {"type": "prometheus", "uid": uid}, where
            assert panel["targets"], where
            for target in panel["targets"]:
                assert target["datasource"]["uid"] == uid, where
                assert target["expr"].strip(), where


def test_panels_fit_the_grid_without_overlapping() -> None:
    for name, board in dashboards().items():
        taken: set[tuple[int, int]] = set()
        for panel in panels(board):
            g = panel["gridPos"]
            assert g["x"] >= 0 and g["x"] + g["w"] <= 24, f"{name}: {panel['title']}"
            cells = {(x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])}
            assert not cells & taken, f"{name}: {panel['title']} overlaps another panel"
            taken |= cells


def test_overview_template_variables() -> None:
    board = dashboards()["overview.json"]
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert {"window", "dimension", "cohort", "project"} <= set(variables)
    assert variables["window"]["current"]["value"] == "1h"
    assert variables["dimension"]["current"]["value"] == "all"
    assert variables["project"]["multi"] and variables["project"]["includeAll"]
    for var in variables.values():
        assert var["datasource"]["uid"] == "sessionscope-prometheus"


def test_every_template_variable_used_is_defined() -> None:
    for name, board in dashboards().items():
        defined = {v["name"] for v in board["templating"]["list"]} | BUILTIN_VARIABLES
        text = json.dumps(board["panels"]) + json.dumps(board["templating"])
        used = set(re.findall(r"\$\{?(\w+)", text)) - {"__all"}  # the value of "All", not a variable
        assert used <= defined, f"{name}: undefined variables {used - defined}"
        assert defined - BUILTIN_VARIABLES <= used, f"{name}: unused variables"
    assert set(TEMPLATE_VALUES) >= BUILTIN_VARIABLES | {"window", "dimension", "cohort", "project"}


def test_all_expressions_are_collected_and_substituted() -> None:
    exprs = all_expressions()
    assert len(dashboard_expressions()) >= 40 and len(rule_expressions()) >= 10
    assert len(exprs) == len(dashboard_expressions()) + len(rule_expressions())
    for source, expr in exprs:
        assert "$" not in expr and "[[" not in expr, source
    assert any('window="1h", dimension="all", cohort="all"' in e for _, e in exprs)


@pytest.mark.parametrize(("source", "expr"), all_expressions(), ids=lambda v: v[:60])
def test_expression_parses(source: str, expr: str) -> None:
    promql_parser.parse(expr)


def test_a_broken_expression_does_not_parse() -> None:
    with pytest.raises(ValueError):
        promql_parser.parse("sum(rate(sessionscope_events_processed_total[5m])")


def test_every_metric_used_is_exported() -> None:
    known = WINDOW_GAUGES | process_metric_names() | PROCESS_METRICS | SCRAPE_METRICS | recorded_names()
    assert "sessionscope_events_processed_total" in known
    assert "sessionscope_classification_duration_seconds_bucket" in known
    unknown = {(source, name) for source, expr in all_expressions() for name in metric_names(expr) - known}
    assert not unknown, f"unknown metric names: {sorted(unknown)}"


def test_every_exported_metric_is_on_a_dashboard() -> None:
    used = {n for _, expr in dashboard_expressions() for n in metric_names(substitute(expr))}
    families = {re.sub(r"_(total|bucket|sum|count)$", "", n) for n in used}
    exported = {
        family.name for obj in vars(metrics).values() if isinstance(obj, MetricWrapperBase)
        for family in obj.describe()
    }
    assert exported <= families, f"not on any dashboard: {sorted(exported - families)}"
    assert WINDOW_GAUGES - {"sessionscope_window_work_mode_sessions"} <= used


def test_study_reference_figures_are_drawn() -> None:
    text = json.dumps(dashboards()["overview.json"])
    for figure in ("0.145", "0.209", "0.283", "0.295", "0.329"):  # figure 5 by expertise
        assert f"vector({figure})" in text
    for reference in ("vector(0.28)", "vector(0.9)", "vector(0.7)", "vector(0.2)"):
        assert reference in text
