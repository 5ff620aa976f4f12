"""Every PromQL expression the project ships: Grafana panels and variables, recording rules, alerts.

`all_expressions()` gives (source, expr) pairs with Grafana's template variables replaced by
concrete values, ready to send to a Prometheus. Alert expressions read the recording rules
(`sessionscope:*`), which exist only where deploy/prometheus/rules/ is loaded; process metrics
and up{} are selected by job="sessionscope", the scrape job name in deploy/prometheus/prometheus.yml.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD_DIR = ROOT / "grafana" / "dashboards"
RULES_DIR = ROOT / "deploy" / "prometheus" / "rules"

# One concrete value per template variable (dashboard variables and Grafana's built-ins).
TEMPLATE_VALUES = {
    "window": "1h",
    "dimension": "all",
    "cohort": "all",
    "project": ".*",
    "__rate_interval": "5m",
    "__interval": "1m",
    "__range": "1h",
}
_VAR = re.compile(r"\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)")
_LABEL_VALUES = re.compile(r"^label_values\((?P<selector>.+),\s*\w+\)$", re.S)


def substitute(expr: str) -> str:
    """Replace template variables; an unknown variable raises KeyError (give it a value above)."""
    return _VAR.sub(lambda m: TEMPLATE_VALUES[next(g for g in m.groups() if g)], expr)


def _panels(panels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for panel in panels:
        out.append(panel)
        out.extend(_panels(panel.get("panels", [])))  # panels inside collapsed rows
    return out


def dashboard_expressions() -> list[tuple[str, str]]:
    """Raw expressions (template variables kept) of every dashboard panel target and variable."""
    exprs: list[tuple[str, str]] = []
    for path in sorted(DASHBOARD_DIR.glob("*.json")):
        board = json.loads(path.read_text())
        for panel in _panels(board.get("panels", [])):
            for target in panel.get("targets", []):
                exprs.append((f"{path.name}: {panel['title']} [{target.get('refId')}]", target.get("expr", "")))
        for var in board.get("templating", {}).get("list", []):
            if var.get("type") == "query":
                query = var["query"]["query"] if isinstance(var["query"], dict) else var["query"]
                match = _LABEL_VALUES.match(query.strip())
                exprs.append((f"{path.name}: variable {var['name']}", match["selector"] if match else query))
    return exprs


def rule_expressions() -> list[tuple[str, str]]:
    """Expressions of every recording rule and alert in deploy/prometheus/rules/."""
    exprs: list[tuple[str, str]] = []
    for path in sorted(RULES_DIR.glob("*.yml")):
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                name = rule.get("alert") or rule.get("record")
                exprs.append((f"{path.name}: {group['name']}/{name}", str(rule["expr"]).strip()))
    return exprs


def all_expressions() -> list[tuple[str, str]]:
    """(source, expr) for every shipped expression, template variables substituted."""
    return [(source, substitute(expr)) for source, expr in dashboard_expressions() + rule_expressions()]
