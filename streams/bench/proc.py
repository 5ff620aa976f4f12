"""A worker in its own process, as deployed: started with SESSIONSCOPE_* settings, read through /metrics and /proc."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from streams.broker import free_port


class BenchError(RuntimeError):
    pass


async def until(predicate: Callable[[], Awaitable[Any]], timeout: float, what: str, interval: float = 0.05) -> Any:
    """Await a condition (polled: /metrics and record counts have no push channel)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await predicate()
        if last:
            return last
        await asyncio.sleep(interval)
    raise BenchError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")


def scrape(port: int) -> dict[str, float]:
    """Every sample on /metrics, summed over labels: {name: value}."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[s.name] = out.get(s.name, 0.0) + s.value
    return out


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM (peak RSS) and friends of a process, in bytes (Linux /proc)."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if name.startswith("Vm") and len(parts) == 2 and parts[1] == "kB":
            out[name] = int(parts[0]) * 1024
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def environ_of(pid: int) -> dict[str, str]:
    """The environment a process was started with (Linux /proc)."""
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    pairs = (item.decode(errors="replace").partition("=") for item in raw.split(b"\0") if item)
    return {name: value for name, _, value in pairs}


@dataclass
class WorkerProc:
    env_extra: dict[str, str]
    workdir: Path
    cwd: Path | None = None  # where `python -m streams.cli` runs: another checkout runs that checkout's code
    metrics_port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    _settings: dict[str, str] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> WorkerProc:
        self.metrics_port = free_port()
        self.log_path = self.workdir / f"worker-{self.metrics_port}.log"
        env = {
            **os.environ,
            "SESSIONSCOPE_METRICS_PORT": str(self.metrics_port),
            "SESSIONSCOPE_DATA_DIR": str(self.workdir / f"state-{self.metrics_port}"),
            "SESSIONSCOPE_LOG_LEVEL": "warning",
            **self.env_extra,
        }
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "streams.cli", "worker", "--no-create-topics"],
                                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                            cwd=self.cwd)
        return self

    async def metrics(self) -> dict[str, float]:
        if self.process is None or self.process.poll() is not None:
            raise BenchError(f"the worker exited; its log:\n{self.log()}")
        return await asyncio.to_thread(scrape, self.metrics_port)

    async def ready(self, timeout: float = 90) -> None:
        async def check() -> bool:
            try:
                return (await self.metrics()).get("sessionscope_worker_ready") == 1
            except OSError:
                return False

        await until(check, timeout, f"worker ready (log {self.log_path})", 0.2)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path and self.log_path.exists() else ""

    def stop(self, timeout: float = 30) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:  # a worker can ignore SIGTERM when the broker died first
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
