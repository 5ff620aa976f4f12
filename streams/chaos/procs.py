"""Worker processes the harness can start, SIGKILL and restart, and scrape."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from streams.broker import free_port
from streams.process_group import stop_process_group

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
ROOT = Path(__file__).resolve().parents[2]


def scrape(port: int) -> Samples:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def metric(samples: Samples, name: str, **labels: str) -> float:
    return sum(v for (n, ls), v in samples.items() if n == name and all((k, x) in ls for k, x in labels.items()))


@dataclass
class Worker:
    name: str
    env: dict[str, str]
    workdir: Path
    port: int = 0
    module: str = "streams.cli"  # `python -m <module> worker` starts it
    process: subprocess.Popen[bytes] | None = None
    # counters reset when the process dies: what each past life had counted at its last scrape
    banked: dict[str, float] = field(default_factory=dict)
    last: Samples = field(default_factory=dict)

    def start(self, ready_timeout: float = 90.0) -> Worker:
        self.port = free_port()
        (self.workdir / self.name).mkdir(parents=True, exist_ok=True)
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("SESSIONSCOPE_")}, **self.env,
               "SESSIONSCOPE_METRICS_PORT": str(self.port),
               "SESSIONSCOPE_DATA_DIR": str(self.workdir / self.name / "state")}
        log = open(self.workdir / f"{self.name}.log", "ab")  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen([sys.executable, "-m", self.module, "worker"], cwd=ROOT, env=env,
                                        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.last = {}
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"worker {self.name} exited; see {self.workdir / self.name}.log")
            with contextlib.suppress(OSError):
                if metric(self.scrape(), "sessionscope_worker_ready") == 1:
                    return self
            time.sleep(0.2)
        raise RuntimeError(f"worker {self.name} not ready after {ready_timeout}s")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def scrape(self) -> Samples:
        self.last = scrape(self.port)
        return self.last

    def counter(self, name: str) -> float:
        """A counter summed over every life of this worker (as of each life's last scrape)."""
        return self.banked.get(name, 0.0) + metric(self.last, name)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> None:
        if not self.alive():
            return
        assert self.process is not None
        with contextlib.suppress(OSError):
            self.scrape()
        for name in {n for n, _ in self.last}:
            if name.endswith("_total"):
                self.banked[name] = self.banked.get(name, 0.0) + metric(self.last, name)
        # a worker can ignore SIGTERM when the broker died first: then it is SIGKILLed after timeout
        stop_process_group(self.process, sig, timeout, kill_timeout=10)
        self.last = {}
