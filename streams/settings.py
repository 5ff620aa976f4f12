"""The one settings object. The only place that reads the environment (prefix SESSIONSCOPE_)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SESSIONSCOPE_", env_file=".env", extra="ignore", frozen=True, env_ignore_empty=True
    )

    # broker and topics
    broker: str = Field("kafka://127.0.0.1:9092", description="Kafka bootstrap, e.g. kafka://host:9092")
    app_id: str = "sessionscope"
    topic_events: str = "session-events"
    topic_closed: str = "sessions-closed"
    topic_classified: str = "sessions-classified"
    topic_stats: str = "session-stats"
    topic_alerts: str = "session-alerts"
    topic_dlq: str = "session-events-dlq"
    topic_otel: str = "otel-logs"
    partitions: int = Field(8, ge=1, description="partitions of the events and closed-session topics")
    replication_factor: int = Field(1, ge=1)
    declare_topics: bool = Field(
        True, description="create missing topics (Faust's changelogs too); false where topics are provisioned "
        "ahead and the worker may not create them"
    )

    # worker
    store: str = Field("memory://", description="memory:// or rocksdb:// (persistent state)")
    data_dir: str = ".state"
    metrics_host: str = Field("127.0.0.1", description="bind address of /metrics; 0.0.0.0 to expose it")
    metrics_port: int = 9464
    batch_size: int = Field(500, ge=1, description="messages taken from a topic per batch")
    batch_within_s: float = Field(0.2, gt=0)
    max_message_bytes: int = 4_000_000
    max_future_skew_s: float = Field(300.0, description="events further ahead of the clock go to the DLQ")
    rebalance_settle_s: float = Field(
        0.0, ge=0, description="seconds a worker waits after a rebalance before it reads, so workers started "
        "together settle in one rebalance"
    )
    gc_threshold: str = Field(
        "50000,20,100", description="a worker's gc thresholds (gen0,gen1,gen2); 'python' keeps Python's own"
    )

    # sessions
    inactivity_gap_s: float = Field(1800.0, gt=0, description="event-time gap that closes a session")
    close_grace_s: float = Field(5.0, ge=0, description="wall seconds a session must be quiet before it closes")
    tick_interval_s: float = Field(1.0, gt=0)
    closed_retention_s: float = Field(86400.0, description="event time a closed session is kept for late events")
    turn_chars: int = 5000
    session_chars: int = 25000

    # windows: "name:size_s:step_s", comma separated
    windows: str = "1h:3600:300,24h:86400:3600"
    allowed_lateness_s: float = Field(3600.0, description="window snapshots are final this long after they end")
    cohort_top_n: int = Field(10, ge=1, description="cohort values exported per dimension; the rest is 'other'")

    # classifier
    classifier: Literal["rules", "claude"] = "rules"
    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str | None = None
    claude_model: str = "claude-haiku-4-5"
    claude_temperature: float | None = Field(0.2, description="the study used 0.2; empty for models without it")
    claude_max_concurrency: int = Field(8, ge=1)
    claude_timeout_s: float = 60.0
    claude_max_retries: int = 4
    claude_use_batches: bool = False
    claude_input_usd_per_mtok: float = 1.0
    claude_output_usd_per_mtok: float = 5.0

    # privacy
    transcript_text: Literal["keep", "redact", "drop"] = Field(
        "keep", description="what happens to transcript text before it leaves the worker"
    )

    # alerts
    alert_min_sessions: int = 20
    alert_drop_ratio: float = Field(0.7, description="fire when short-window verified success < ratio x baseline")
    alert_clear_ratio: float = Field(0.85, description="clear when it recovers above ratio x baseline")

    log_level: Literal["debug", "info", "warning", "error", "critical"] = "info"

    @field_validator("gc_threshold")
    @classmethod
    def _gc(cls, v: str) -> str:
        if v == "python":
            return v
        parts = v.split(",")
        if len(parts) != 3 or not all(p.strip().isdigit() for p in parts):
            raise ValueError("gc_threshold is three whole numbers, e.g. 50000,20,100, or 'python'")
        return v

    @property
    def gc_thresholds(self) -> tuple[int, int, int] | None:
        if self.gc_threshold == "python":
            return None
        a, b, c = (int(p) for p in self.gc_threshold.split(","))
        return a, b, c

    @field_validator("broker")
    @classmethod
    def _scheme(cls, v: str) -> str:
        return v if "://" in v else f"kafka://{v}"

    def with_broker(self, broker: str | None) -> Settings:
        """These settings with another broker (a command's --broker), scheme added as on load."""
        return self.model_copy(update={"broker": self._scheme(broker)}) if broker else self

    @property
    def bootstrap(self) -> str:
        """host:port list for aiokafka clients."""
        return ",".join(u.split("://", 1)[-1] for u in self.broker.split(","))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
