"""Stopping a helper process started with start_new_session=True, together with its children."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from typing import Any


def stop_process_group(
    process: subprocess.Popen[Any] | None, sig: int = signal.SIGTERM, timeout: float = 5.0, kill_timeout: float = 5.0
) -> None:
    """Send `sig` to the process group, wait, and SIGKILL it if it is still there after `timeout`."""
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):  # it exited between the poll and the signal
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(kill_timeout)
