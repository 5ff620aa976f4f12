"""One chaos run: two workers, generated traffic with duplicates and reordering, SIGKILLs of
workers while it flows, one broker restart, then the verdict from sessions-classified and the
window gauges. The restart needs a broker that keeps its data across it: librdkafka's test cluster
(streams/chaos/rdkafka_cluster.py); without the restart the run uses the embedded broker."""

from __future__ import annotations

import asyncio
import random
import signal
import tempfile
import time
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from pathlib import Path

from streams.broker import EmbeddedBroker
from streams.chaos.procs import Worker, metric
from streams.chaos.rdkafka_cluster import RdkafkaCluster
from streams.chaos.verify import Verdict, expected_in_windows, final_revisions, judge, read_all
from streams.chaos.workload import build, produce, sentinels
from streams.settings import Settings
from streams.topics import create_topics, full_topic_plan

WINDOWS = Settings.model_fields["windows"].default


@dataclass
class ChaosConfig:
    sessions: int = 1500
    partitions: int = 6
    workers: int = 2
    chunks: int = 12
    kills: int = 4
    broker_restart: bool = True  # on librdkafka's test cluster; False runs on the embedded broker
    brokers: int = 3  # of that cluster: topics get three replicas, and a restart moves leadership first
    broker_down_s: float = 5.0  # how long the restarted broker refuses connections
    seed: int = 1
    settle_timeout_s: float = 240.0
    workdir: Path | None = None
    log_level: str = "warning"

    @property
    def broker_step(self) -> int:
        """The traffic step after which the broker restarts; -1 for none."""
        return self.chunks // 2 if self.broker_restart else -1

    def kill_steps(self) -> list[int]:
        """Steps a kill can follow: not the last (its victim must come back under traffic), not the restart's."""
        return [i for i in range(self.chunks - 1) if i != self.broker_step]

    def __post_init__(self) -> None:
        if self.kills > len(self.kill_steps()):
            raise ValueError(f"{self.kills} kills need more traffic steps than --chunks {self.chunks}: "
                             f"at most {len(self.kill_steps())} kills fit")


@dataclass
class ChaosReport:
    verdict: Verdict
    kills: int = 0
    crashes: int = 0  # workers that died without being killed: always a failure
    worker_restarts: int = 0
    broker_restarts: int = 0
    broker_note: str = ""  # how the restart went
    duplicates_injected: int = 0  # duplicate events in the traffic we sent
    duplicates_absorbed: float = 0  # sessionscope_events_duplicate_total, summed over workers and their lives
    duplicates_derived: int = 0  # events sent - distinct events in the final states
    rereads: float = 0  # sessionscope_offset_rereads_total: stretches read past unacknowledged (commit guard)
    prefetched_discarded: float = 0  # sessionscope_prefetched_discarded_total: records fetched before a seek
    elapsed_s: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.verdict.ok and not self.crashes and self.duplicates_derived == self.duplicates_injected

    def lines(self) -> list[str]:
        v = self.verdict
        windows = ", ".join(f"{w}: {got:g} counted / {want} expected" for w, (got, want) in sorted(v.windows.items()))
        return [
            f"sessions:              {v.expected} ({v.classified} classified, {v.records} records, "
            f"{v.reopened} corrected by a later revision)",
            f"worker kills (SIGKILL): {self.kills}, worker restarts: {self.worker_restarts}, "
            f"crashes: {self.crashes}",
            f"broker restarts:        {self.broker_restarts}{self.broker_note}",
            f"duplicates delivered:   {self.duplicates_injected} events injected (+ replays after kills)",
            f"duplicates absorbed:    {self.duplicates_absorbed:g} (metric, summed over workers), "
            f"{self.duplicates_derived} (sent - distinct events in the final states)",
            f"read again:             {self.rereads:g} stretches read past unacknowledged (commit guard), "
            f"{self.prefetched_discarded:g} records fetched before a seek discarded (seek fence)",
            f"windows:                {windows}",
            f"sessions lost:          {len(v.lost)}{' ' + ', '.join(v.lost[:5]) if v.lost else ''}",
            f"wrong structure:        {len(v.wrong)}{' ' + ', '.join(v.wrong[:5]) if v.wrong else ''}",
            *self.notes,
            f"elapsed:                {self.elapsed_s:.0f}s",
            f"verdict:                {'PASS' if self.ok else 'FAIL'}",
        ]


def _progress(workers: list[Worker]) -> float:
    total = 0.0
    for w in workers:
        if w.alive():
            with suppress(OSError):
                total += metric(w.scrape(), "sessionscope_messages_consumed_total")
    return total


def _await_progress(workers: list[Worker], timeout: float = 20.0) -> None:
    """Let the workers get into the traffic just sent, so the next kill lands mid-stream."""
    start, deadline = _progress(workers), time.monotonic() + timeout
    while time.monotonic() < deadline and _progress(workers) <= start:
        time.sleep(0.2)


def _observe(bootstrap: str, topic: str, truth: dict, workers: list[Worker]) -> Verdict:
    records = read_all(bootstrap, topic)
    final = final_revisions(records)
    verdict = judge(truth, final, len(records))
    samples = [w.scrape() for w in workers if w.alive()]
    ends = {ls[0][1]: v for s in samples for (n, ls), v in s.items()
            if n == "sessionscope_window_end_timestamp_seconds"}
    for name, want in expected_in_windows(final, WINDOWS, ends).items():
        got = sum(metric(s, "sessionscope_window_sessions", window=name, dimension="all") for s in samples)
        verdict.windows[name] = (got, want)
    if "24h" in verdict.windows:  # every window holds every session: 24h must count all of them
        got, _ = verdict.windows["24h"]
        verdict.windows["24h"] = (got, len(truth))
    return verdict


def _stall_notes(workers: list[Worker]) -> list[str]:
    """Where each worker stands when the verdict fails: ready or not, and its lag per topic."""
    notes = []
    for w in workers:
        if not w.alive():
            notes.append(f"worker {w.name}:              not running")
            continue
        samples = w.scrape()
        lag: dict[str, float] = {}
        for (name, labels), value in samples.items():
            if name == "sessionscope_consumer_lag_messages":
                topic = dict(labels)["topic"]
                lag[topic] = lag.get(topic, 0.0) + value
        lags = ", ".join(f"{t}={v:.0f}" for t, v in sorted(lag.items())) or "no partitions"
        notes.append(f"worker {w.name}:              ready={metric(samples, 'sessionscope_worker_ready'):.0f}, "
                     f"lag {lags}")
    return notes


def run(cfg: ChaosConfig) -> ChaosReport:
    began = time.monotonic()
    with ExitStack() as stack:
        workdir = cfg.workdir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="chaos-")))
        workdir.mkdir(parents=True, exist_ok=True)
        env = {"SESSIONSCOPE_APP_ID": "chaos", "SESSIONSCOPE_PARTITIONS": str(cfg.partitions),
               "SESSIONSCOPE_CLOSE_GRACE_S": "0.5", "SESSIONSCOPE_TICK_INTERVAL_S": "0.5",
               "SESSIONSCOPE_LOG_LEVEL": cfg.log_level}
        settings = Settings(partitions=cfg.partitions, app_id="chaos")
        broker: RdkafkaCluster | EmbeddedBroker
        if cfg.broker_restart:
            broker = RdkafkaCluster(full_topic_plan(settings), brokers=cfg.brokers, groups=[settings.app_id],
                                    log_path=workdir / "cluster.log", debug=cfg.log_level == "debug").start()
            env["SESSIONSCOPE_DECLARE_TOPICS"] = "false"  # the cluster has no CreateTopics; it made them all
        else:
            broker = EmbeddedBroker(log_path=workdir / "broker.log").start()
            asyncio.run(create_topics(settings.with_broker(broker.bootstrap)))
        stack.callback(broker.stop)
        env["SESSIONSCOPE_BROKER"] = broker.url
        module = "streams.chaos.cluster_worker" if isinstance(broker, RdkafkaCluster) else "streams.cli"
        workers = [Worker(f"w{i}", env, workdir, module=module) for i in range(cfg.workers)]
        for w in workers:
            stack.callback(w.stop)
            w.start()
        wl = build(cfg.sessions, seed=cfg.seed, now=time.time())
        report = ChaosReport(Verdict(expected=0), duplicates_injected=wl.duplicate_events)
        rng = random.Random(cfg.seed)
        kill_at = set(rng.sample(cfg.kill_steps(), cfg.kills))
        size = -(-len(wl.messages) // cfg.chunks)
        down: list[Worker] = []
        for i in range(cfg.chunks):
            produce(broker.bootstrap, settings.topic_events, wl.messages[i * size:(i + 1) * size])
            _await_progress(workers)
            for w in down:  # traffic flowed while it was dead; now it comes back and recovers
                w.start()
                report.worker_restarts += 1
            down = []
            for w in workers:
                if not w.alive():  # it died by itself: a failure, but go on to see what else breaks
                    report.crashes += 1
                    report.notes.append(f"worker {w.name} crashed at step {i}; see {workdir / w.name}.log")
                    w.start()
            if i in kill_at:
                victim = rng.choice([w for w in workers if w.alive()])
                victim.stop(signal.SIGKILL)
                report.kills += 1
                down.append(victim)
            if i == cfg.broker_step and isinstance(broker, RdkafkaCluster):
                broker.restart(cfg.broker_down_s)  # while the workers are still on this step's traffic
                report.broker_restarts += 1
                moved = ", leadership and the group moved to another broker first" if cfg.brokers > 1 else ""
                report.broker_note = f" (broker 1 of {cfg.brokers} down {broker.restarts[-1]:.1f}s at step {i}{moved})"
        for w in down:
            w.start()
            report.worker_restarts += 1
        marks = sentinels(cfg.partitions, time.time())
        produce(broker.bootstrap, settings.topic_events, marks)
        truth: dict = {**wl.truth, **{k.decode(): None for k, _ in marks}}
        deadline = time.monotonic() + cfg.settle_timeout_s
        while True:
            verdict = _observe(broker.bootstrap, settings.topic_classified, truth, workers)
            if verdict.ok or time.monotonic() > deadline:
                break
            time.sleep(1.0)  # polling interval of the verdict, not synchronisation
        report.verdict = verdict
        if not verdict.ok:
            report.notes.extend(_stall_notes(workers))
        report.duplicates_absorbed = sum(w.counter("sessionscope_events_duplicate_total") for w in workers)
        report.rereads = sum(w.counter("sessionscope_offset_rereads_total") for w in workers)
        report.prefetched_discarded = sum(w.counter("sessionscope_prefetched_discarded_total") for w in workers)
        final = final_revisions(read_all(broker.bootstrap, settings.topic_classified))
        applied = sum(int(final[s.session_id]["structure"]["events"]) for s in wl.sessions if s.session_id in final)
        report.duplicates_derived = wl.delivered_events - applied
        if not cfg.broker_restart:
            report.notes.append("broker restart:         not done: the embedded broker's memory storage keeps nothing "
                                "across a restart (docs/reliability.md)")
        report.elapsed_s = time.monotonic() - began
        return report
