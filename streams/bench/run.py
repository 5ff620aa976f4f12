"""The benchmark's phases against one embedded broker: backlog throughput (and its raw-consumer
ceiling), live session_end latency, and the memory an open session costs."""

from __future__ import annotations

import asyncio
import itertools
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from streams.bench import load
from streams.bench.kafka_io import Producer, Watcher, ceiling, changelog_sizes
from streams.bench.proc import WorkerProc, cpu_seconds, environ_of, proc_status, until
from streams.broker import EmbeddedBroker
from streams.settings import Settings
from streams.topics import create_topics

_runs = itertools.count()
SETTLE_S = 3.0


@dataclass(frozen=True)
class Config:
    events: int = 200_000
    batch_events: int = 50
    single: bool = False
    workers: int = 1
    open_sessions: int = 50_000
    open_events: int = 20  # events each open session has received so far
    live: int = 100  # sessions timed from session_end to classified
    live_rate: float = 10.0  # of them per second
    partitions: int = 8
    repeat: int = 3  # throughput runs; the median is reported (the machine is shared and noisy)


@dataclass
class Run:
    workers: int
    events: int = 0
    messages: int = 0
    seconds: float = 0.0
    worker_cpu_s: float = 0.0
    broker_cpu_s: float = 0.0
    peak_rss: int = 0  # bytes, the largest worker's VmHWM after the backlog
    seen_env: dict[str, str] = field(default_factory=dict)  # a worker's SESSIONSCOPE_*/PYTHON* env, from /proc
    seen_cwd: str = ""  # and the directory it ran in

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def ms_per_1k_events(self, cpu_s: float) -> float:
        """CPU seconds spent on this run's events as milliseconds per 1,000 events."""
        return 1e6 * cpu_s / max(self.events, 1)


@dataclass
class Results:
    config: Config
    ones: list[Run] = field(default_factory=list)  # one-worker throughput runs, in order
    twos: list[Run] = field(default_factory=list)  # two-worker runs, each right after a one-worker run
    ceiling_eps: float = 0.0
    to_classified: list[float] = field(default_factory=list)  # seconds, one per live session
    to_metrics: list[float] = field(default_factory=list)
    open_rss_delta: int = 0
    open_changelog: list[int] = field(default_factory=list)  # bytes per open session's record
    final_peak_rss: int = 0
    sessions: int = 0

    @property
    def one(self) -> Run:
        """The median one-worker run (by events/s)."""
        return median_run(self.ones)

    @property
    def two(self) -> Run | None:
        return median_run(self.twos) if self.twos else None


def median_run(runs: list[Run]) -> Run:
    """The middle run by events/s (the lower middle of an even count): a real run, not a blend."""
    ordered = sorted(runs, key=lambda r: r.events_per_s)
    return ordered[(len(ordered) - 1) // 2]


def _env(broker: EmbeddedBroker, cfg: Config) -> dict[str, str]:
    tag = f"bench{next(_runs)}-{int(time.time())}"
    names = ("events", "closed", "classified", "stats", "alerts", "dlq", "otel")
    # workers started together join one rebalance before reading: otherwise the first one reads the
    # backlog alone until the second joins, and the rebalance and table recovery are timed too
    return {"SESSIONSCOPE_BROKER": broker.url, "SESSIONSCOPE_APP_ID": tag,
            "SESSIONSCOPE_PARTITIONS": str(cfg.partitions), "SESSIONSCOPE_REBALANCE_SETTLE_S": str(SETTLE_S),
            **{f"SESSIONSCOPE_TOPIC_{n.upper()}": f"{tag}-{n}" for n in names}}


def _settings(env: dict[str, str]) -> Settings:
    return Settings(**{k.removeprefix("SESSIONSCOPE_").lower(): v for k, v in env.items()})  # type: ignore[arg-type]


async def throughput_run(broker: EmbeddedBroker, cfg: Config, backlog: load.Backlog, workers: int, workdir: Path,
                         res: Results | None, *, overrides: dict[str, str] | None = None,
                         cwd: Path | None = None) -> Run:
    """One timed run on fresh topics; `overrides` (environment) and `cwd` (a checkout) make a variant."""
    env = _env(broker, cfg)
    s = _settings(env)
    env.update(overrides or {})  # after the settings the bench itself uses: a variant changes the workers only
    await create_topics(s)
    run = Run(workers)
    async with Producer(broker.bootstrap) as producer:
        # the backlog is on the broker before any worker starts: the clock times the workers alone,
        # not the workers competing for the cores with the producer and the broker taking it in
        run.messages = await producer.send_all(s.topic_events, backlog.msgs)
        watcher = await Watcher(broker.bootstrap, s.topic_classified).start()
        procs = [WorkerProc(env, workdir, cwd).start() for _ in range(workers)]
        try:
            t0, cpu0, bcpu0 = await _reading_starts(procs, broker)
            t_end = await watcher.wait_for(backlog.session_ids, max(180.0, backlog.events / 500))
            run.events, run.seconds = backlog.events, t_end - t0
            run.worker_cpu_s = sum(cpu_seconds(p.pid) - c for p, c in zip(procs, cpu0, strict=True))
            run.broker_cpu_s = (cpu_seconds(broker.process.pid) if broker.process else 0.0) - bcpu0
            run.peak_rss = max(proc_status(p.pid)["VmHWM"] for p in procs)
            env_seen = environ_of(procs[0].pid)
            run.seen_env = {k: v for k, v in env_seen.items() if k.startswith(("SESSIONSCOPE_", "PYTHON"))}
            run.seen_cwd = os.readlink(f"/proc/{procs[0].pid}/cwd")
            if res is not None:
                res.sessions = len(backlog.session_ids)
                res.ceiling_eps, _ = await ceiling(broker.bootstrap, s.topic_events, backlog.events)
                await asyncio.gather(*(p.ready() for p in procs))
                await _latency(cfg, procs[0], producer, watcher, s, res)
                await _open_state(cfg, procs[0], producer, s, broker, res)
                res.final_peak_rss = proc_status(procs[0].pid)["VmHWM"]
        finally:
            for p in procs:
                p.stop()
            await watcher.stop()
    return run


async def _reading_starts(procs: list[WorkerProc], broker: EmbeddedBroker,
                          timeout: float = 120) -> tuple[float, list[float], float]:
    """When the workers began to read the backlog, and their and the broker's CPU seconds then: taken
    at the last poll at which none had read a message (polls 20 ms apart, so the clock starts at most
    that much early, never late). The CPU is read before /metrics is asked, because a worker counts
    a batch only when it is done with it: start-up (imports, joining) is not counted, all reading is."""
    idle_at, cpu, bcpu = time.time(), [0.0] * len(procs), 0.0

    async def reading() -> bool:
        nonlocal idle_at, cpu, bcpu
        polled = time.time()
        polled_cpu = [cpu_seconds(p.pid) for p in procs]
        polled_bcpu = cpu_seconds(broker.process.pid) if broker.process else 0.0
        for p in procs:
            try:
                if (await p.metrics()).get("sessionscope_messages_consumed_total", 0.0) > 0:
                    return True
            except OSError:  # its /metrics is not up yet
                pass
        idle_at, cpu, bcpu = polled, polled_cpu, polled_bcpu
        return False

    await until(reading, timeout, "a worker reading the backlog", 0.02)
    return idle_at, cpu, bcpu


async def _latency(cfg: Config, proc: WorkerProc, producer: Producer, watcher: Watcher, s: Settings,
                   res: Results) -> None:
    """session_end produced -> classified record visible on the topic, and counted on /metrics."""
    tpl = load.templates(20, now=time.time(), seed=5)
    bodies, ends = load.live(cfg.live, tpl, time.time())
    await producer.send_all(s.topic_events, bodies)
    await until(lambda: _gauge(proc, "sessionscope_open_sessions", cfg.live), 60, "live sessions open")
    counts: list[tuple[float, float]] = []
    base = (await proc.metrics())["sessionscope_sessions_classified_total"]

    async def poll() -> None:
        while True:
            value = (await proc.metrics())["sessionscope_sessions_classified_total"]
            if not counts or value != counts[-1][1]:
                counts.append((time.time(), value))
            await asyncio.sleep(0.02)

    poller = asyncio.create_task(poll())
    sent: list[float] = []
    try:
        for msg in ends:
            sent.append(time.time())
            await producer.send_one(s.topic_events, msg)
            await asyncio.sleep(1 / cfg.live_rate)  # pacing the live traffic, not synchronisation
        await watcher.wait_for({f"live-{i}" for i in range(cfg.live)}, 60)
        await until(lambda: _done(counts, base + cfg.live), 60, "live sessions counted on /metrics")
    finally:
        poller.cancel()
    res.to_classified = [watcher.seen[f"live-{i}"] - t for i, t in enumerate(sent)]
    # /metrics has no per-session series: the i-th session is visible once the count reaches base + i + 1
    res.to_metrics = [next(t for t, v in counts if v >= base + i + 1) - t_sent for i, t_sent in enumerate(sent)]


async def _done(counts: list[tuple[float, float]], target: float) -> bool:
    return bool(counts) and counts[-1][1] >= target


async def _gauge(proc: WorkerProc, name: str, target: float) -> bool:
    return (await proc.metrics()).get(name, 0.0) >= target


async def _open_state(cfg: Config, proc: WorkerProc, producer: Producer, s: Settings, broker: EmbeddedBroker,
                      res: Results) -> None:
    """RSS growth per open session, and the size of its changelog record."""
    tpl = load.templates(200, now=time.time(), seed=9)
    msgs = load.open_sessions(cfg.open_sessions, tpl, cfg.open_events)
    rss0 = proc_status(proc.pid)["VmRSS"]
    await producer.send_all(s.topic_events, msgs)
    await until(lambda: _gauge(proc, "sessionscope_open_sessions", cfg.open_sessions), max(120.0, len(msgs) / 200),
                "open sessions held", 0.5)
    res.open_rss_delta = proc_status(proc.pid)["VmRSS"] - rss0
    res.open_changelog = await changelog_sizes(broker.bootstrap, f"{s.app_id}-sessions-changelog", "open-",
                                               cfg.open_sessions)


def run(cfg: Config) -> Results:
    with tempfile.TemporaryDirectory(prefix="sessionscope-bench-") as tmp:
        workdir = Path(tmp)
        backlog = load.backlog(cfg.events, now=time.time(), batch_events=cfg.batch_events, single=cfg.single)
        with EmbeddedBroker(log_path=workdir / "broker.log") as broker:

            async def main() -> Results:
                res = Results(cfg)
                # one and two workers alternate, so a neighbour's load lands on both alike
                for i in range(max(cfg.repeat, 1)):
                    res.ones.append(await throughput_run(broker, cfg, backlog, 1, workdir, res if i == 0 else None))
                    if cfg.workers == 2:
                        res.twos.append(await throughput_run(broker, cfg, backlog, 2, workdir, None))
                return res

            return asyncio.run(main())
