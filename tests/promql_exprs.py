"""Every PromQL expression the project ships: Grafana panels and variables, recording rules, alerts.

`all_expressions()` gives (source, expr) pairs with Grafana's template variables replaced by
concrete values, ready to send to a Prometheus. Alert expressions read the recording rules
(`sessionscope:*`), which exist only where deploy/prometheus/rules/ is loaded; process metrics
and up{} are selected by job="sessionscope", the scrape job name in deploy/prometheus/prometheus.yml.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import promql_parser
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


def substitute(expr: str, values: dict[str, str] | None = None) -> str:
    """Replace template variables; an unknown variable raises KeyError (give it a value above).

    `values` overrides some of TEMPLATE_VALUES, e.g. {"window": "24h"}.
    """
    table = {**TEMPLATE_VALUES, **(values or {})}
    return _VAR.sub(lambda m: table[next(g for g in m.groups() if g)], expr)


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


def rule_expressions(kind: str | None = None) -> list[tuple[str, str]]:
    """Expressions of every recording rule and alert in deploy/prometheus/rules/.

    kind: "record" or "alert" for only those rules.
    """
    exprs: list[tuple[str, str]] = []
    for path in sorted(RULES_DIR.glob("*.yml")):
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                if kind is not None and kind not in rule:
                    continue
                name = rule.get("alert") or rule.get("record")
                exprs.append((f"{path.name}: {group['name']}/{name}", str(rule["expr"]).strip()))
    return exprs


def all_expressions(values: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(source, expr) for every shipped expression, template variables substituted."""
    return [(source, substitute(expr, values)) for source, expr in dashboard_expressions() + rule_expressions()]


# -- alert conditions without their thresholds ----------------------------------------------------
_SET_OPS = {"and", "or", "unless"}
_COMPARISONS = {"==", "!=", ">", "<", ">=", "<="}


@dataclass(frozen=True)
class Clause:
    """One operand of an alert's chain of set operators: `<op> <matching> <expr>` (op None for the first)."""

    op: str | None
    matching: str
    expr: str  # with every top-level comparison turned into a `bool` comparison


def _bool_comparison(node: promql_parser.Expr) -> str:
    """`a > 3` as `(a) > bool (3)`: 1 or 0 for every series the comparison matches, instead of a filter."""
    if isinstance(node, promql_parser.BinaryExpr) and str(node.op) in _COMPARISONS:
        mod = node.modifier
        if mod is not None and mod.return_bool:
            return str(node)
        matching = f" {mod}" if mod is not None and str(mod) else ""
        return f"({_bool_comparison(node.lhs)}) {node.op} bool{matching} ({_bool_comparison(node.rhs)})"
    if isinstance(node, promql_parser.ParenExpr):
        return f"({_bool_comparison(node.expr)})"
    return str(node)


def alert_clauses(expr: str) -> list[Clause]:
    """Split an alert expression at its top-level and/unless/or, thresholds turned into `bool`.

    `a > 0 unless on (i) b > 0 and on (i) c > 3600` gives the clauses `(a) > bool (0)`,
    `unless on (i) (b) > bool (0)` and `and on (i) (c) > bool (3600)`: each is non-empty when its
    inputs exist, whatever their values, which is what a healthy pipeline can show of an alert.
    """
    node = promql_parser.parse(expr)
    clauses: list[Clause] = []
    while isinstance(node, promql_parser.BinaryExpr) and str(node.op) in _SET_OPS:
        mod = node.modifier
        clauses.append(Clause(str(node.op), str(mod) if mod is not None else "", _bool_comparison(node.rhs)))
        node = node.lhs  # set operators are left-associative: the chain grows to the left
    clauses.append(Clause(None, "", _bool_comparison(node)))
    return clauses[::-1]
