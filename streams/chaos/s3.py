"""A local S3 server (moto's server mode) so the embedded broker keeps its data across a restart.

Tansu's memory storage loses everything when the broker stops; its s3:// storage (the
"dynostore" feature of this build) reads the endpoint and credentials from AWS_* variables.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from streams.broker import BrokerError, free_port, wait_for_port
from streams.process_group import stop_process_group


def moto_binary() -> str:
    beside = Path(sys.executable).parent / "moto_server"  # the one installed with this environment
    found = str(beside) if beside.exists() else shutil.which("moto_server")
    if not found:
        raise BrokerError("a durable broker needs moto's S3 server: pip install 'moto[server]'")
    return found


@dataclass
class S3Server:
    bucket: str = "tansu"
    host: str = "127.0.0.1"
    port: int = 0
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def storage_url(self) -> str:
        return f"s3://{self.bucket}/"

    def broker_env(self) -> dict[str, str]:
        # moto accepts any credentials; Tansu needs them set and plain HTTP allowed
        return {"AWS_ENDPOINT": self.endpoint, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_ALLOW_HTTP": "true"}

    def start(self, timeout: float = 30.0) -> S3Server:
        self.port = self.port or free_port(self.host)
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen([moto_binary(), "-H", self.host, "-p", str(self.port)],
                                        stdout=log, stderr=log, start_new_session=True)
        wait_for_port(self.host, self.port, timeout)
        request = urllib.request.Request(f"{self.endpoint}/{self.bucket}", method="PUT", data=b"")
        urllib.request.urlopen(request, timeout=10).read()
        return self

    def stop(self) -> None:
        stop_process_group(self.process)
        self.process = None
