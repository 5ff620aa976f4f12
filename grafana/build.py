"""Build the provisioned Grafana dashboards (grafana/dashboards/*.json) from this file.

The JSON is generated so that panels stay uniform (datasource, units, legends) and the study's
reference figures live in one place. Stdlib only. `make dashboards` rewrites the files;
`python grafana/build.py --check` exits 1 when a committed file differs from what this builds.

Window gauges are exported by the worker that owns the (single) sessions-classified partition,
so every window query takes `max by (...)`: it drops the instance label and hides the brief
double export while partitions move between workers.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

OUT_DIR = Path(__file__).resolve().parent / "dashboards"
DATASOURCE = {"type": "prometheus", "uid": "sessionscope-prometheus"}  # provisioning/datasources

# Study reference figures (METHOD.md "Reference figures"). Verified success has no single overall
# figure in the study: 28% sits inside its by-expertise (14.5-32.9%, intermediate 28.3%) and
# by-occupation (26% other, 30% software) figures, so it is the overall reference line.
REF_VERIFIED = 0.28
REF_AT_LEAST_PARTIAL = 0.90  # 91-92% for beginner and up, 77% novice, 88-89% by occupation
REF_USER_PLANNING = 0.70
REF_USER_EXECUTION = 0.20
EXPERTISE_LEVELS = ("novice", "beginner", "intermediate", "advanced", "expert")
STUDY_VERIFIED_BY_EXPERTISE = (0.145, 0.209, 0.283, 0.295, 0.329)  # figure 5, adjusted

Panel = dict[str, Any]
Item = tuple[Panel, int, int]  # panel, width, height
Query = tuple[str, str]  # expr, legend

SEL = 'window="$window", dimension="$dimension", cohort="$cohort"'  # the template variables
EXPERTISE_SEL = f'window="$window", dimension="expertise", cohort=~"{"|".join(EXPERTISE_LEVELS)}"'
RATED = "Rates exclude sessions whose outcome is 'no clear goal' (METHOD.md)."


def target(expr: str, legend: str, ref: str, table: bool = False) -> Panel:
    t: Panel = {"datasource": DATASOURCE, "refId": ref, "expr": expr, "legendFormat": legend}
    if table:  # instant query as a table: one row per series, for bar charts
        t.update(instant=True, range=False, format="table")
    return t


def targets(queries: list[Query]) -> list[Panel]:
    return [target(expr, legend, chr(ord("A") + i)) for i, (expr, legend) in enumerate(queries)]


def ref_line(value: float, label: str) -> Query:
    """A constant series drawn dashed: the study's figure next to ours."""
    return (f"vector({value})", f"study: {label}")


DASHED_REFS: Panel = {
    "matcher": {"id": "byRegexp", "options": "^study: .*"},
    "properties": [
        {"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}},
        {"id": "custom.fillOpacity", "value": 0},
        {"id": "custom.stacking", "value": {"mode": "none", "group": "A"}},
    ],
}


def base(kind: str, title: str, queries: list[Query], description: str) -> Panel:
    return {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "targets": targets(queries),
    }


def ts(title: str, queries: list[Query], w: int = 12, h: int = 8, unit: str = "short",
       description: str = "", stacked: bool = False, max_value: float | None = None) -> Item:
    custom: Panel = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10, "spanNulls": True}
    if stacked:
        custom.update(fillOpacity=60, stacking={"mode": "normal", "group": "A"})
    defaults: Panel = {"unit": unit, "min": 0, "custom": custom}
    if max_value is not None:
        defaults["max"] = max_value
    panel = base("timeseries", title, queries, description)
    panel["fieldConfig"] = {"defaults": defaults, "overrides": [DASHED_REFS]}
    panel["options"] = {
        "legend": {"displayMode": "table", "placement": "bottom", "calcs": ["lastNotNull", "mean"]},
        "tooltip": {"mode": "multi", "sort": "desc"},
    }
    return panel, w, h


def stat(title: str, queries: list[Query], w: int = 4, unit: str = "short", description: str = "") -> Item:
    panel = base("stat", title, queries, description)
    panel["fieldConfig"] = {"defaults": {"unit": unit}, "overrides": []}
    panel["options"] = {
        "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
        "colorMode": "value",
    }
    return panel, w, 5


def row(title: str) -> Item:
    return {"type": "row", "title": title, "collapsed": False, "panels": []}, 24, 1


def layout(items: list[Item]) -> list[Panel]:
    """Place panels left to right on the 24-column grid; a row starts a new line."""
    panels: list[Panel] = []
    x = y = line_h = 0
    for pid, (panel, w, h) in enumerate(items, start=1):
        if panel["type"] == "row" or x + w > 24:
            x, y, line_h = 0, y + line_h, 0
        panels.append({"id": pid, "gridPos": {"h": h, "w": w, "x": x, "y": y}, **panel})
        x, line_h = x + w, max(line_h, h)
    return panels


def query_var(name: str, label: str, query: str, default: str, multi: bool = False) -> Panel:
    return {
        "type": "query",
        "name": name,
        "label": label,
        "datasource": DATASOURCE,
        "definition": query,
        "query": {"query": query, "refId": f"{name}-var"},
        "refresh": 2,  # on time range change: cohorts come and go
        "regex": "",
        "sort": 1,
        "multi": multi,
        "includeAll": multi,
        "allValue": ".*" if multi else None,
        "current": {"selected": True, "text": default, "value": "$__all" if multi else default},
        "options": [],
        "hide": 0,
    }


def dashboard(uid: str, title: str, description: str, items: list[Item], variables: list[Panel]) -> Panel:
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": ["sessionscope"],
        "timezone": "utc",
        "editable": False,
        "graphTooltip": 1,
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-24h", "to": "now"},
        "templating": {"list": variables},
        "annotations": {"list": []},
        "links": [{"title": "sessionscope", "type": "dashboards", "tags": ["sessionscope"]}],
        "panels": layout(items),
    }


def wmax(metric: str, by: str = "cohort", sel: str = SEL, extra: str = "") -> str:
    """A window gauge, deduplicated across workers (see module doc)."""
    return f"max by ({by}) ({metric}{{{sel}{', ' + extra if extra else ''}}})"


def outcome(rate: str, sel: str = SEL) -> str:
    return wmax("sessionscope_window_outcome_rate", sel=sel, extra=f'outcome="{rate}"')


def dim(dimension: str, more: str = "") -> str:
    return f'window="$window", dimension="{dimension}"{more}'


def study_by_expertise() -> str:
    """The study's figure 5 as five series labelled cohort and rank (the x-axis order)."""
    return " or ".join(
        f'label_replace(label_replace(vector({v}), "cohort", "{c}", "", ""), "rank", "{i}", "", "")'
        for i, (c, v) in enumerate(zip(EXPERTISE_LEVELS, STUDY_VERIFIED_BY_EXPERTISE, strict=True), start=1)
    )


def expertise_bars() -> Item:
    panel = base("barchart", "Verified success by expertise (study figure 5)", [], (
        "Study: novice 14.5%, beginner 20.9%, intermediate 28.3%, advanced 29.5%, expert 32.9%. "
        "Users whose expertise is unclear are left out, as in the study."))
    panel["targets"] = [
        target(outcome("verified_success", EXPERTISE_SEL), "sessionscope", "A", table=True),
        target(study_by_expertise(), "study", "B", table=True),
    ]
    panel["transformations"] = [
        {"id": "joinByField", "options": {"byField": "cohort", "mode": "outer"}},
        {"id": "sortBy", "options": {"sort": [{"field": "rank", "desc": False}]}},
        {"id": "organize", "options": {
            "excludeByName": {"Time": True, "Time 1": True, "Time 2": True, "rank": True},
            "renameByName": {"Value #A": "sessionscope", "Value #B": "study (adjusted)"},
        }},
    ]
    panel["fieldConfig"] = {"defaults": {"unit": "percentunit", "min": 0}, "overrides": []}
    panel["options"] = {"xField": "cohort", "orientation": "vertical", "showValue": "auto",
                        "legend": {"displayMode": "list", "placement": "bottom"}}
    return panel, 12, 9


def overview() -> Panel:
    pct = "percentunit"
    verified, partial = f"verified {REF_VERIFIED:.0%}", f"at least partial {REF_AT_LEAST_PARTIAL:.0%}"
    items: list[Item] = [
        row("Volume ($dimension = $cohort, $window window)"),
        stat("Sessions in window", [(wmax("sessionscope_window_sessions"), "{{cohort}}")]),
        stat("Rated sessions", [(wmax("sessionscope_window_rated_sessions"), "{{cohort}}")], description=RATED),
        stat("Verified success", [(outcome("verified_success"), "{{cohort}}")], unit=pct,
             description=f"Study reference {REF_VERIFIED:.0%}. {RATED}"),
        stat("At least partial success", [(outcome("at_least_partial"), "{{cohort}}")], unit=pct,
             description=f"Study reference {REF_AT_LEAST_PARTIAL:.0%}. {RATED}"),
        stat("Window end behind now", [(
            'time() - max by (window) (sessionscope_window_end_timestamp_seconds{window="$window"})',
            "{{window}}")], w=8, unit="s",
            description="How far the event-time window trails the wall clock; grows when input stalls."),
        ts("Sessions per hour", [
            (wmax("sessionscope_window_sessions", sel=SEL.replace("$window", "1h")),
             "{{cohort}}: last hour of event time"),
            ("sum(rate(sessionscope_sessions_classified_total[$__rate_interval])) * 3600",
             "all: classified per hour (wall clock)"),
        ], description="The 1h window's session count, and the wall-clock rate of classified sessions."),
        ts("Work-mode shares", [(wmax("sessionscope_window_work_mode_share", by="mode"), "{{mode}}")],
           unit=pct, stacked=True, max_value=1,
           description="Share of sessions by dominant activity. Study: fix 26%, build 25%, operate 17%, "
                       "plan+understand 14%, analyze+write 13%, test+orchestrate 5%."),
        row("Outcomes"),
        ts("Success rates vs study", [
            (outcome("verified_success"), "verified success"),
            (outcome("at_least_partial"), "at least partial"),
            ref_line(REF_VERIFIED, verified),
            ref_line(REF_AT_LEAST_PARTIAL, partial),
        ], h=9, unit=pct, max_value=1,
           description=f"Verified = succeeded with a hard success signal (>= 4). {RATED} The overall "
                       "verified reference (28%) is read from the study's by-expertise and by-occupation "
                       "figures."),
        expertise_bars(),
        ts("Troubled and abandoned", [(wmax(
            "sessionscope_window_outcome_rate", by="outcome", extra='outcome=~"troubled|abandoned"'),
            "{{outcome}}")], unit=pct,
           description="Troubled: failure signal >= 3. Abandoned: troubled, failed and no lines added. "
                       "Study: abandoned 19% novice vs 5-7% others."),
        ts("Abandoned by expertise", [(outcome("abandoned", EXPERTISE_SEL), "{{cohort}}")], unit=pct),
        row("Interaction by expertise"),
        ts("Actions per prompt by expertise", [
            (wmax("sessionscope_window_actions_per_prompt", sel=EXPERTISE_SEL), "{{cohort}}")],
           description="Mean over sessions. Study: novice about 5, expert about 12."),
        ts("Words per prompt by expertise", [
            (wmax("sessionscope_window_words_per_prompt", sel=EXPERTISE_SEL), "{{cohort}}")],
           description="Assistant words per prompt, mean over sessions. Study: novice about 600, "
                       "expert about 3,200."),
        ts("Decisions made by the user", [
            (wmax("sessionscope_window_user_planning_share"), "planning"),
            (wmax("sessionscope_window_user_execution_share"), "execution"),
            ref_line(REF_USER_PLANNING, f"planning {REF_USER_PLANNING:.0%}"),
            ref_line(REF_USER_EXECUTION, f"execution {REF_USER_EXECUTION:.0%}"),
        ], w=24, unit=pct, max_value=1,
           description="User share of planning and of execution decisions, mean over sessions."),
        row("Agents and models"),
        ts("Sessions by agent", [(wmax("sessionscope_window_sessions", sel=dim("agent")), "{{cohort}}")]),
        ts("Sessions by model", [(wmax("sessionscope_window_sessions", sel=dim("model")), "{{cohort}}")]),
        ts("Verified success by agent", [
            (outcome("verified_success", dim("agent")), "{{cohort}}"), ref_line(REF_VERIFIED, verified)],
           unit=pct),
        ts("Verified success by model", [
            (outcome("verified_success", dim("model")), "{{cohort}}"), ref_line(REF_VERIFIED, verified)],
           unit=pct),
        row("Projects ($project)"),
        ts("Sessions by project", [
            (wmax("sessionscope_window_sessions", sel=dim("project", ', cohort=~"$project"')), "{{cohort}}")]),
        ts("Verified success by project", [
            (outcome("verified_success", dim("project", ', cohort=~"$project"')), "{{cohort}}")], unit=pct),
    ]
    cohorts = "label_values(sessionscope_window_sessions{%s}, %s)"
    variables = [
        query_var("window", "Window", "label_values(sessionscope_window_end_timestamp_seconds, window)", "1h"),
        query_var("dimension", "Cohort dimension", cohorts % ('window="$window"', "dimension"), "all"),
        query_var("cohort", "Cohort", cohorts % ('window="$window", dimension="$dimension"', "cohort"), "all"),
        query_var("project", "Project", cohorts % ('window="$window", dimension="project"', "cohort"), "All",
                  multi=True),
    ]
    return dashboard("sessionscope-overview", "sessionscope: sessions overview",
                     "Work modes, outcomes, expertise and decisions of coding-agent sessions, against the "
                     "study's reference figures.", items, variables)


def rate(metric: str, by: str = "") -> str:
    return f"sum{f' by ({by})' if by else ''} (rate({metric}[$__rate_interval]))"


def quantile(q: float, metric: str, by: str) -> Query:
    expr = f"histogram_quantile({q}, sum by (le, {by}) (rate({metric}_bucket[$__rate_interval])))"
    return expr, f"p{round(q * 100)} {{{{{by}}}}}"


def pipeline() -> Panel:
    cls, e2c = "sessionscope_classification_duration_seconds", "sessionscope_session_end_to_classified_seconds"
    items: list[Item] = [
        row("Throughput"),
        stat("Workers up / ready", [('sum(up{job="sessionscope"})', "up"), ("sum(sessionscope_worker_ready)", "ready")],
             description="Ready: owns partitions and its tables are recovered."),
        stat("Open sessions", [("sum(sessionscope_open_sessions)", "open")]),
        stat("Event time behind now", [("time() - max(sessionscope_event_time_watermark_seconds)", "lag")],
             unit="s"),
        stat("Consumer lag (messages)", [("sum(max by (topic, partition) (sessionscope_consumer_lag_messages))",
                                          "lag")]),
        stat("Dead letters (1h)", [("sum(increase(sessionscope_dead_letters_total[1h]))", "dead letters")]),
        stat("Classifier fall-backs (1h)", [("sum(increase(sessionscope_classifier_fallbacks_total[1h]))",
                                             "fall-backs")]),
        ts("Events per second", [
            (rate("sessionscope_events_processed_total", "type"), "{{type}}"),
            (rate("sessionscope_events_duplicate_total"), "duplicates (ignored)"),
        ], unit="ops", stacked=True),
        ts("Messages consumed per second", [(rate("sessionscope_messages_consumed_total", "topic"), "{{topic}}")],
           unit="ops"),
        ts("Consumer lag", [("max by (topic, partition) (sessionscope_consumer_lag_messages)",
                             "{{topic}}/{{partition}}")],
           description="Max per partition: during a rebalance two workers may report one partition."),
        ts("Open sessions per worker", [("sum by (instance) (sessionscope_open_sessions)", "{{instance}}")]),
        row("Errors"),
        ts("Read again", [
            (rate("sessionscope_offset_rereads_total", "topic"), "{{topic}}: read past unacknowledged"),
            (rate("sessionscope_prefetched_discarded_total", "topic"), "{{topic}}: fetched before a seek"),
        ], unit="ops",
           description="Read past unacknowledged: offsets were passed without being acknowledged; the commit "
                       "waited and the partition was read again from them (steady means a bug). Fetched before "
                       "a seek: records discarded because their partition was sought meanwhile, as after every "
                       "rebalance; they are read again from the new position."),
        ts("Dead letters by reason", [
            (rate("sessionscope_dead_letters_total", "stage, reason"), "{{stage}}: {{reason}}")], unit="ops"),
        ts("Late events and reopened sessions", [
            (rate("sessionscope_late_events_total"), "late events"),
            (rate("sessionscope_sessions_reopened_total"), "sessions reopened"),
            (rate("sessionscope_sessions_outside_retention_total"), "classified outside window retention"),
        ], unit="ops"),
        row("Sessions and classification"),
        ts("Sessions closed by reason", [(rate("sessionscope_sessions_closed_total", "reason"), "{{reason}}")],
           unit="ops", stacked=True),
        ts("Sessions classified by outcome", [
            (rate("sessionscope_sessions_classified_total", "outcome"), "{{outcome}}")], unit="ops", stacked=True),
        ts("Classification latency", [quantile(q, cls, "backend") for q in (0.5, 0.95, 0.99)], unit="s"),
        ts("Session close to counted", [quantile(q, e2c, "job") for q in (0.5, 0.95)], unit="s",
           description="Wall time from the sessionizer closing a session to its record counted in the windows."),
        ts("Classifier fall-backs to rules", [
            (rate("sessionscope_classifier_fallbacks_total", "reason"), "{{reason}}")], w=8, unit="ops"),
        ts("Claude requests", [(rate("sessionscope_claude_requests_total", "result"), "{{result}}")], w=8,
           unit="reqps"),
        ts("Claude tokens and cost per hour", [
            (rate("sessionscope_claude_tokens_total", "kind") + " * 3600", "tokens {{kind}}"),
            (rate("sessionscope_claude_cost_usd_total") + " * 3600", "USD"),
        ], w=8, description="Estimated from SESSIONSCOPE_CLAUDE_*_USD_PER_MTOK."),
        row("Workers and windows"),
        ts("Worker memory (RSS)", [('process_resident_memory_bytes{job="sessionscope"}', "{{instance}}")], w=8,
           unit="bytes"),
        ts("Worker CPU", [('rate(process_cpu_seconds_total{job="sessionscope"}[$__rate_interval])',
                           "{{instance}}")], w=8, unit="percentunit"),
        ts("Window end behind now", [
            ("time() - max by (window) (sessionscope_window_end_timestamp_seconds)", "{{window}}")], w=8, unit="s"),
        ts("In-stream alerts and snapshots", [
            ("max by (alert, window) (sessionscope_alert_active)", "active: {{alert}} {{window}}"),
            (rate("sessionscope_stats_snapshots_total", "window"), "snapshots/s {{window}}"),
            (rate("sessionscope_alerts_total", "alert, state"), "changes/s {{alert}} {{state}}"),
        ], w=24),
    ]
    return dashboard("sessionscope-pipeline", "sessionscope: pipeline health",
                     "Throughput, lag, errors, classification and worker resources.", items, [])


DASHBOARDS = {"overview.json": overview, "pipeline.json": pipeline}


def render() -> dict[str, str]:
    """File name -> exact file content."""
    return {name: json.dumps(build(), indent=2) + "\n" for name, build in DASHBOARDS.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the sessionscope Grafana dashboards.")
    parser.add_argument("--check", action="store_true", help="fail if a committed dashboard is out of date")
    args = parser.parse_args(argv)
    stale = []
    for name, text in render().items():
        path = OUT_DIR / name
        if not args.check:
            OUT_DIR.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        elif not path.exists() or path.read_text() != text:
            stale.append(name)
    if stale:
        print(f"out of date: {', '.join(stale)}; run `make dashboards`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
