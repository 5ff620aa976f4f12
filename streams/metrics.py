"""Process-level Prometheus metrics (counters, histograms, gauges bumped by the agents).

Window gauges (shares and rates per cohort) are not here: they are read from the windowed
tables at scrape time by streams/window_collector.py.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

NS = "sessionscope"

EVENTS = Counter(f"{NS}_events_processed", "Events applied to a session, by event type", ["type"])
DUPLICATE_EVENTS = Counter(f"{NS}_events_duplicate", "Events ignored because they were applied already")
MESSAGES = Counter(f"{NS}_messages_consumed", "Kafka messages consumed, by topic", ["topic"])
DEAD_LETTERS = Counter(f"{NS}_dead_letters", "Records sent to the dead-letter topic", ["stage", "reason"])
LATE_EVENTS = Counter(f"{NS}_late_events", "Events that arrived for an already closed session (it reopens)")
SESSIONS_REOPENED = Counter(f"{NS}_sessions_reopened", "Closed sessions reopened by a late event")
SESSIONS_CLOSED = Counter(f"{NS}_sessions_closed", "Sessions closed by the sessionizer, by reason", ["reason"])
SESSIONS_CLASSIFIED = Counter(
    f"{NS}_sessions_classified",
    "Sessions classified and counted in the windows (once per session revision)",
    ["work_mode", "expertise", "outcome"],
)
SESSIONS_LATE_FOR_WINDOWS = Counter(
    f"{NS}_sessions_outside_retention", "Classified sessions older than the window retention (not windowed)"
)
CLASSIFY_SECONDS = Histogram(
    f"{NS}_classification_duration_seconds",
    "Time to classify one closed session",
    ["backend"],
    buckets=(0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60),
)
END_TO_CLASSIFIED = Histogram(
    f"{NS}_session_end_to_classified_seconds",
    "Wall time from the sessionizer closing a session to its classified record being counted",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
)
FALLBACKS = Counter(f"{NS}_classifier_fallbacks", "Classifications that fell back to the rules", ["reason"])
CLAUDE_TOKENS = Counter(f"{NS}_claude_tokens", "Tokens used by the Claude classifier", ["kind"])
CLAUDE_COST = Counter(f"{NS}_claude_cost_usd", "Estimated cost of the Claude classifier in USD")
CLAUDE_REQUESTS = Counter(f"{NS}_claude_requests", "Claude classifier requests, by result", ["result"])
OPEN_SESSIONS = Gauge(f"{NS}_open_sessions", "Sessions open in this worker's partitions")
WATERMARK = Gauge(f"{NS}_event_time_watermark_seconds", "Highest event time seen by this worker (epoch)")
CONSUMER_LAG = Gauge(
    f"{NS}_consumer_lag_messages", "Messages not yet consumed, per topic partition", ["topic", "partition"]
)
STATS_SNAPSHOTS = Counter(f"{NS}_stats_snapshots", "Window snapshots written to the stats topic", ["window"])
ALERTS = Counter(f"{NS}_alerts", "Alert state changes written to the alerts topic", ["alert", "state"])
ALERT_ACTIVE = Gauge(f"{NS}_alert_active", "1 while an in-stream alert is firing", ["alert", "window"])
OFFSET_REREADS = Counter(f"{NS}_offset_rereads", "Partitions read again because offsets were read past without "
                         "being acknowledged (the commit waited for them)", ["topic"])
PREFETCHED_DISCARDED = Counter(f"{NS}_prefetched_discarded", "Messages fetched before their partition was "
                               "sought elsewhere, discarded and read again from the new position", ["topic"])
READY = Gauge(f"{NS}_worker_ready", "1 once this worker owns partitions and its tables are recovered")

# Labelled series appear at their first increment, and increase() cannot see that first one; so
# every label value we know of is created at zero when a worker starts.
KNOWN_DEAD_LETTERS = {
    "decode": ("empty", "oversized", "not_json", "not_object", "unknown_version", "invalid_event", "bad_batch",
               "mixed_batch", "bad_timestamp", "wrong_key", "internal_error"),
    "otel": ("empty", "oversized", "not_json", "not_otlp_logs", "bad_record", "no_session_id", "bad_timestamp",
             "invalid_event", "internal_error"),
    "classify": ("bad_closed_record", "internal_error"),
    "aggregate": ("bad_classified_record", "internal_error"),
}
FALLBACK_REASONS = ("timeout", "connection", "rate_limited", "auth", "client_error", "server_error", "malformed",
                    "invalid", "unexpected", "rules_error")


def init_series(*, claude: bool, input_topics: tuple[str, ...] = ()) -> None:
    for topic in input_topics:
        OFFSET_REREADS.labels(topic=topic)
        PREFETCHED_DISCARDED.labels(topic=topic)
    for stage, reasons in KNOWN_DEAD_LETTERS.items():
        for reason in reasons:
            DEAD_LETTERS.labels(stage=stage, reason=reason)
    for state in ("firing", "resolved"):
        ALERTS.labels(alert="success_rate_drop", state=state)
    for reason in ("end_event", "inactivity"):
        SESSIONS_CLOSED.labels(reason=reason)
    if claude:
        for reason in FALLBACK_REASONS:
            FALLBACKS.labels(reason=reason)
        for kind in ("input", "output", "cache_read", "cache_creation"):
            CLAUDE_TOKENS.labels(kind=kind)
        CLAUDE_REQUESTS.labels(result="ok")
