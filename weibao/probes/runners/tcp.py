"""TCP connect: the port accepts a connection; thresholds on the connect time in seconds."""

from __future__ import annotations

import socket
import time

from .base import Deadline, Metric, ProbeResult, Target, guarded, judge


@guarded
def run(target: Target, deadline: Deadline) -> ProbeResult:
    host, port = target.require_endpoint()
    warn, crit = target.thresholds()
    started = time.monotonic()
    with socket.create_connection((host, port), timeout=deadline.remaining()):
        elapsed = time.monotonic() - started
    metric = Metric("time", round(elapsed, 6), "s", warn=warn, crit=crit, min=0)
    return judge(f"{host}:{port} accepts connections in {elapsed * 1000:.1f} ms", [metric])
