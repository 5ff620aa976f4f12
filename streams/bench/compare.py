"""`sessionscope bench --compare`: the worker as it is (A) against a variant (B), in interleaved pairs.

A variant is environment overrides (a setting, or PYTHON* variables) and/or another checkout whose
code the B workers run. The machine is shared and its speed drifts by a fifth within minutes, so
runs far apart compare the host, not the variants: each pair runs A and B back to back on the same
backlog and broker, the order alternating from pair to pair, and the verdict is a sign test over
the pairs (streams/bench/paired.py). What each B worker ran with is read back from /proc.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from streams.bench import load
from streams.bench.paired import Paired, paired
from streams.bench.run import Config, Run, throughput_run
from streams.broker import EmbeddedBroker

_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
# what the bench sets itself: overriding it would point the workers at other topics or ports
RESERVED = ("SESSIONSCOPE_BROKER", "SESSIONSCOPE_APP_ID", "SESSIONSCOPE_PARTITIONS", "SESSIONSCOPE_TOPIC_",
            "SESSIONSCOPE_REBALANCE_SETTLE_S", "SESSIONSCOPE_METRICS_PORT", "SESSIONSCOPE_DATA_DIR")


def parse_override(text: str) -> tuple[str, str]:
    """NAME=VALUE, refused with its reason when the bench needs that variable for itself."""
    name, sep, value = text.partition("=")
    if not sep or not _NAME.fullmatch(name):
        raise ValueError(f"{text!r} is not NAME=VALUE (an environment variable, e.g. SESSIONSCOPE_BATCH_SIZE=1000)")
    if name.startswith(RESERVED):
        raise ValueError(f"{name} is set by the bench for every run (topics, ports, partitions); it cannot differ")
    return name, value


def check_tree(path: Path) -> Path:
    """A checkout of this project, whose streams/ and models/ the B workers import."""
    path = path.resolve()
    if not (path / "streams" / "cli.py").is_file():
        raise ValueError(f"{path} has no streams/cli.py: give the root of a sessionscope checkout")
    return path


@dataclass(frozen=True)
class Variant:
    overrides: dict[str, str] = field(default_factory=dict)
    tree: Path | None = None

    def describe(self) -> str:
        parts = [f"{k}={v}" for k, v in self.overrides.items()]
        if self.tree:
            parts.append(f"code of {self.tree}")
        return ", ".join(parts) or "the same as A"


@dataclass
class Comparison:
    config: Config
    variant: Variant
    events: int = 0
    first: list[str] = field(default_factory=list)  # "A" or "B": which ran first in each pair
    a: list[Run] = field(default_factory=list)
    b: list[Run] = field(default_factory=list)

    def figures(self) -> list[Paired]:
        return [
            paired("events/s", [r.events_per_s for r in self.a], [r.events_per_s for r in self.b],
                   higher_is_better=True),
            paired("worker CPU per event", [r.ms_per_1k_events(r.worker_cpu_s) for r in self.a],
                   [r.ms_per_1k_events(r.worker_cpu_s) for r in self.b], higher_is_better=False),
        ]

    def applied(self) -> list[str]:
        """Overrides or a checkout that some B worker did not run with (empty when all took effect)."""
        missing = [f"{k}={v}" for k, v in self.variant.overrides.items()
                   if any(r.seen_env.get(k) != v for r in self.b)]
        if self.variant.tree and any(Path(r.seen_cwd) != self.variant.tree for r in self.b):
            missing.append(f"code of {self.variant.tree}")
        return missing


def compare(cfg: Config, variant: Variant, pairs: int) -> Comparison:
    res = Comparison(cfg, variant)
    with tempfile.TemporaryDirectory(prefix="sessionscope-compare-") as tmp:
        workdir = Path(tmp)
        backlog = load.backlog(cfg.events, now=time.time(), batch_events=cfg.batch_events, single=cfg.single)
        res.events = backlog.events
        with EmbeddedBroker(log_path=workdir / "broker.log") as broker:

            async def main() -> None:
                for i in range(pairs):
                    order = "AB" if i % 2 == 0 else "BA"  # drift within a pair falls on A and B alike
                    for name in order:
                        if name == "A":
                            res.a.append(await throughput_run(broker, cfg, backlog, 1, workdir, None))
                        else:
                            res.b.append(await throughput_run(broker, cfg, backlog, 1, workdir, None,
                                                           overrides=variant.overrides, cwd=variant.tree))
                    res.first.append(order[0])

            asyncio.run(main())
    return res


def render(c: Comparison) -> str:
    mode = "1 event/message" if c.config.single else f"batches of {c.config.batch_events}"
    lines = [f"sessionscope bench --compare: {c.events:,} events ({mode}), 1 worker, {len(c.a)} pairs of runs",
             "A: this checkout, settings from the environment", f"B: {c.variant.describe()}", "",
             f"{'pair':>4}  {'first':>5}  {'A events/s':>10}  {'B events/s':>10}  {'B/A':>5}  "
             f"{'A ms/1k':>7}  {'B ms/1k':>7}  {'B/A':>5}"]
    for i, (first, a, b) in enumerate(zip(c.first, c.a, c.b, strict=True), 1):
        ma, mb = a.ms_per_1k_events(a.worker_cpu_s), b.ms_per_1k_events(b.worker_cpu_s)
        lines.append(f"{i:>4}  {first:>5}  {a.events_per_s:>10,.0f}  {b.events_per_s:>10,.0f}  "
                     f"{b.events_per_s / a.events_per_s:>5.2f}  {ma:>7.1f}  {mb:>7.1f}  {mb / ma:>5.2f}")
    lines.append("")
    for fig in c.figures():
        lines.append(f"{fig.figure}: median B/A {fig.median:.2f} (range {min(fig.ratios):.2f}-{max(fig.ratios):.2f}); "
                     f"{fig.verdict()}")
    missing = c.applied()
    lines.append("B workers ran with: " + (c.variant.describe() + " (read from /proc)" if not missing
                                           else "NOT " + ", ".join(missing) + ": the comparison is void"))
    return "\n".join(lines)
