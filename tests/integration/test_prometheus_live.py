"""Every shipped PromQL expression against a real Prometheus scraping a real worker.

Prometheus is Debian's package binary (`make tools`), started with the project's recording rules
and alerts (deploy/prometheus/rules/) and a 1 s scrape of the test worker under the job name
the dashboards and rules select ("sessionscope"). The worker is fed generated sessions of the
last hour, so the 1h and 24h windows both hold them, and a few malformed messages, so the
dead-letter series exist. Then each expression of tests.promql_exprs must return data.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from models.decode import encode_batch
from models.generator import generate, messages
from streams.broker import free_port
from streams.chaos.workload import sentinels
from streams.process_group import stop_process_group
from tests.promql_exprs import (
    RULES_DIR,
    alert_clauses,
    all_expressions,
    dashboard_expressions,
    rule_expressions,
    substitute,
)
from tests.support import metric, produce_sync, wait_until

pytestmark = pytest.mark.integration

JOB = "sessionscope"  # the job name the dashboards and alerts select on (deploy/prometheus/prometheus.yml)

# Metrics with no series on a healthy pipeline run with the default rules classifier. An expression
# may come back empty only if it reads one of these; the test also checks that each of them really
# has no series, so an entry has to go once its metric is exported.
EXPECTED_EMPTY = {
    # the fall-back series are created at zero only when the Claude backend is configured; the
    # rules backend never falls back
    "sessionscope_classifier_fallbacks_total": "the rules backend never falls back",
    "sessionscope:classifier_fallbacks:rate15m": "recorded from sessionscope_classifier_fallbacks_total",
    # the Claude classifier is not configured in this test (the default backend is the rules)
    "sessionscope_claude_requests_total": "no Claude requests with the rules backend",
    "sessionscope_claude_tokens_total": "no Claude tokens with the rules backend",
}


@dataclass
class PrometheusServer:
    """Debian's prometheus binary scraping `targets` every second, with the project's rules loaded."""

    workdir: Path
    targets: list[str]
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log_path: Path = field(init=False)

    def start(self, timeout: float = 60) -> PrometheusServer:
        binary = shutil.which("prometheus")
        if binary is None:
            pytest.fail("prometheus is not installed: `make tools` installs Debian's package")
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = {
            "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(RULES_DIR / "*.yml")],
            "scrape_configs": [{"job_name": JOB, "static_configs": [{"targets": self.targets}]}],
        }
        (self.workdir / "prometheus.yml").write_text(yaml.safe_dump(config))
        self.port = self.port or free_port()
        self.log_path = self.workdir / "prometheus.log"
        log = open(self.log_path, "ab")  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen(
            [binary, f"--config.file={self.workdir / 'prometheus.yml'}",
             f"--storage.tsdb.path={self.workdir / 'data'}", f"--web.listen-address=127.0.0.1:{self.port}",
             "--log.level=warn"],
            cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        wait_until(self._ready, timeout, f"Prometheus ready (log {self.log_path})", 0.2)
        return self

    def _ready(self) -> bool:
        assert self.process and self.process.poll() is None, f"prometheus exited; log:\n{self.log()}"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/ready", timeout=2) as r:
                return bool(r.status == 200)
        except OSError:
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:] if self.log_path.exists() else ""

    def api(self, path: str, **params: str) -> Any:
        url = f"http://127.0.0.1:{self.port}/api/v1/{path}?{urllib.parse.urlencode(params)}"
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                body = json.loads(r.read())
        except urllib.error.HTTPError as exc:  # a bad query: 400 with the error in the body
            raise AssertionError(f"{path} {params}: HTTP {exc.code}: {exc.read().decode(errors='replace')}") from exc
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """An instant query's series (a scalar result as one series without labels)."""
        data = self.api("query", query=expr)
        if data["resultType"] in ("scalar", "string"):
            return [{"metric": {}, "value": data["result"]}]
        assert data["resultType"] == "vector", (expr, data)
        return list(data["result"])

    def value(self, expr: str) -> float | None:
        """The value of a query that returns at most one series."""
        result = self.query(expr)
        assert len(result) <= 1, (expr, result)
        return float(result[0]["value"][1]) if result else None

    def rules(self) -> list[dict[str, Any]]:
        return [rule for group in self.api("rules")["groups"] for rule in group["rules"]]

    def stop(self) -> None:
        stop_process_group(self.process, timeout=30, kill_timeout=10)


@pytest.fixture
def prometheus(tmp_path: Path) -> Iterator[Any]:
    """start(targets) -> a running PrometheusServer, stopped at the end of the test."""
    servers: list[PrometheusServer] = []

    def start(targets: list[str]) -> PrometheusServer:
        server = PrometheusServer(tmp_path / f"prometheus-{len(servers)}", targets)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


def reads(expr: str) -> set[str]:
    """The EXPECTED_EMPTY names an expression reads."""
    return {name for name in EXPECTED_EMPTY if re.search(rf"(?<![\w:]){re.escape(name)}(?![\w:])", expr)}


def malformed(now: float) -> list[tuple[bytes, bytes]]:
    """Messages the decoder rejects, one per kind of rejection."""
    good = {"event_id": "g1", "ts": now, "type": "prompt", "text": "explain the parser", "agent": "codex"}
    return [
        (b"bad-1", b"{definitely not json"),
        (b"bad-2", orjson.dumps({"v": 99, "event_id": "x", "session_id": "bad-2", "ts": now, "type": "prompt"})),
        (b"bad-3", orjson.dumps({"event_id": "x", "session_id": "bad-3", "ts": now + 86400, "type": "prompt"})),
        (b"bad-4", orjson.dumps({"event_id": "x", "session_id": "bad-4", "ts": now, "type": "no_such_type"})),
        (b"wrong", encode_batch("bad-5", [{**good, "session_id": "bad-5"}])),
    ]


def expressions() -> list[tuple[str, str]]:
    """Panel and variable queries (the window variable at 1h, the default, and at 24h) and recording rules.

    Alerts are checked apart: a healthy pipeline fires none.
    """
    alerts = {source for source, _ in rule_expressions("alert")}
    exprs = [(source, expr) for source, expr in all_expressions() if source not in alerts]
    exprs += [(f"{source} (window=24h)", substitute(expr, {"window": "24h"}))
              for source, expr in dashboard_expressions() if "$window" in expr or "${window" in expr]
    return exprs


def test_every_dashboard_and_rule_expression_returns_data_from_a_live_prometheus(
        broker, app_env, start_worker, prometheus) -> None:
    worker = start_worker()
    prom = prometheus([f"127.0.0.1:{worker.metrics_port}"])
    instance = f"127.0.0.1:{worker.metrics_port}"
    wait_until(lambda: prom.value(f'up{{job="{JOB}", instance="{instance}"}}') == 1, 30,
               f"Prometheus scraping the worker (log {prom.log_path})")

    # Sessions that ended between 53 and 32 minutes ago: inside the last hour of event time, and more
    # than the 30-minute inactivity gap before the sentinels, which close the ones without an end event.
    topic = app_env["SESSIONSCOPE_TOPIC_EVENTS"]
    now = time.time()
    sessions = generate(300, seed=21, start=now - 3200, span_s=1300, end_probability=0.8)
    bad = malformed(now)
    # the dead-letter series exist at zero from the worker's start, so increase() sees the first one
    wait_until(lambda: prom.value("count(sessionscope_dead_letters_total)") or 0, 60,
               "Prometheus to scrape the zero dead-letter series")
    produce_sync(broker.bootstrap, topic, ((k.encode(), v) for _, k, v in messages(sessions, batch_events=40)))
    produce_sync(broker.bootstrap, topic, bad)
    produce_sync(broker.bootstrap, topic, sentinels(4, time.time()))
    n = len(sessions) + 4

    def worker_caught_up() -> bool:
        m = worker.metrics()
        return (metric(m, "sessionscope_window_sessions", window="1h", dimension="all") == n
                and metric(m, "sessionscope_window_sessions", window="24h", dimension="all") == n
                and metric(m, "sessionscope_dead_letters_total") == len(bad))

    wait_until(worker_caught_up, 120, "the worker to classify every session into both windows")

    # Enough scrapes for rate() and increase(): Prometheus has the final counters, then at least
    # three more scrapes, and the rule group has recorded a rate over them.
    wait_until(lambda: prom.value(f"sum(sessionscope_sessions_classified_total{{instance='{instance}'}})") == n,
               30, "Prometheus to scrape the final counters")
    scrapes = prom.value(f'count_over_time(up{{job="{JOB}"}}[1h])') or 0
    wait_until(lambda: (prom.value(f'count_over_time(up{{job="{JOB}"}}[1h])') or 0) >= scrapes + 3
               and (prom.value("count_over_time(sessionscope:sessions_classified:rate15m[1h])") or 0) >= 3,
               30, "three more scrapes and rule evaluations")

    # Spot values: Prometheus sees what the worker counted.
    for window in ("1h", "24h"):
        assert prom.value(f'max(sessionscope_window_sessions{{window="{window}", dimension="all"}})') == n
    assert prom.value(f'sum(up{{job="{JOB}"}})') == 1
    assert (prom.value("sum(rate(sessionscope_sessions_classified_total[5m]))") or 0) > 0
    assert len(bad) <= (prom.value("sum(increase(sessionscope_dead_letters_total[1h]))") or 0) < 2 * len(bad)
    reasons = {r["metric"]["reason"] for r in prom.query("sum by (reason) (sessionscope_dead_letters_total) > 0")}
    assert reasons == {"not_json", "unknown_version", "bad_timestamp", "invalid_event", "wrong_key"}

    empty, unexpected = [], []
    exprs = expressions()
    for source, expr in exprs:
        if prom.query(expr):
            continue
        (empty if reads(expr) else unexpected).append((source, expr))

    # Alerts: a healthy pipeline fires none, so each alert is checked without its thresholds.
    # Every clause (comparisons made `bool`) must return series: its inputs exist, whatever their
    # values. The `and` clauses together must return series too (their label matching lines up,
    # or the alert could never fire), and an `unless` clause must remove the first clause's series
    # (it matches them, so it can hold the alert back).
    alert_checks = 0
    for source, expr in rule_expressions("alert"):
        assert not prom.query(expr), f"{source}: the alert condition holds on a healthy pipeline"
        clauses = alert_clauses(expr)
        first = clauses[0]
        chain = f"({first.expr})" + "".join(f" and {c.matching} ({c.expr})" for c in clauses[1:] if c.op == "and")
        for label, check in [*((f"clause {i + 1}", c.expr) for i, c in enumerate(clauses)), ("and-chain", chain)]:
            alert_checks += 1
            if not prom.query(check):
                (empty if reads(check) else unexpected).append((f"{source} ({label})", check))
        for c in clauses[1:]:
            if c.op == "unless" and prom.query(first.expr):
                alert_checks += 1
                unless = f"({first.expr}) unless {c.matching} ({c.expr})"
                assert not prom.query(unless), f"{source}: the unless clause matches nothing: {unless}"

    assert not unexpected, "expressions that return no data:\n" + "\n".join(f"  {s}: {e}" for s, e in unexpected)
    for name in EXPECTED_EMPTY:  # the allow-list stays honest: each entry really has no series
        assert not prom.query(f'{{__name__="{name}"}}'), f"{name} is exported now: remove it from EXPECTED_EMPTY"
    assert len(exprs) >= 80 and alert_checks >= 20
    print(f"{len(exprs)} expressions and {alert_checks} alert checks evaluated; empty as expected:",
          *(f"\n  {s}" for s, _ in empty))

    # Every rule loaded and evaluates without error (a many-to-many match fails only at evaluation).
    rules = prom.rules()
    assert len(rules) == len(rule_expressions())
    for rule in rules:
        assert rule["health"] == "ok", (rule["name"], rule.get("lastError"))
        if rule["type"] == "alerting":
            assert rule["state"] == "inactive", (rule["name"], rule["alerts"])
