"""Who used the machine's CPU during a measurement: the bench's own processes and everyone else."""

from __future__ import annotations

import os
import socket
import time
from collections import Counter


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


TICK = os.sysconf("SC_CLK_TCK")
OURS = {"postgres", "redis-server", "wrk"}  # the database, the broker, the load generator


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores), not counting steal."""
    return machine_times()[0]


def machine_times() -> tuple[float, float]:
    """CPU seconds busy (all cores, without steal) and stolen by the hypervisor so far: on a
    shared virtual machine the same run is slower when its cores are lent elsewhere."""
    with open("/proc/stat") as f:
        parts = [int(x) for x in f.readline().split()[1:]]
    steal = parts[7] if len(parts) > 7 else 0
    return (sum(parts[:8]) - parts[3] - parts[4] - steal) / TICK, steal / TICK


def processes() -> dict[int, tuple[str, int, float]]:
    """pid → (command, parent pid, CPU seconds used so far)."""
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                raw = f.read()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        out[int(name)] = (comm, int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK)
    return out


class CpuWatch:
    """How much CPU the bench's own processes (gunicorn, the database, Redis, wrk) used over an
    interval, and how much everything else on the machine did: other people's test runs share
    these two cores, and a scenario measured beside them measures nothing."""

    def __init__(self, server_pid: int | None) -> None:
        self.server_pid = server_pid

    def _ours(self, procs: dict) -> set[int]:
        mine = {pid for pid, (comm, ppid, _t) in procs.items() if comm in OURS}
        if self.server_pid:
            mine |= {
                pid
                for pid, (_c, ppid, _t) in procs.items()
                if pid == self.server_pid or ppid == self.server_pid
            }
        return mine | {os.getpid()}

    def __enter__(self) -> CpuWatch:
        self.t0, (self.busy0, self.steal0), self.procs0 = time.monotonic(), machine_times(), processes()
        return self

    def __exit__(self, *exc) -> None:
        procs1, (busy1, steal1) = processes(), machine_times()
        self.wall = time.monotonic() - self.t0
        ours = 0.0
        for pid in self._ours(procs1):
            before = self.procs0.get(pid)
            ours += procs1[pid][2] - (before[2] if before and before[0] == procs1[pid][0] else 0.0)
        self.workers = sorted(
            (
                round((t - (self.procs0[pid][2] if pid in self.procs0 else 0.0)) / self.wall, 2)
                for pid, (_c, ppid, t) in procs1.items()
                if self.server_pid and ppid == self.server_pid
            ),
            reverse=True,
        )
        self.busy = (busy1 - self.busy0) / self.wall  # cores
        self.steal = (steal1 - self.steal0) / self.wall
        self.ours = ours / self.wall
        self.foreign = max(0.0, self.busy - self.ours)
        totals: Counter = Counter()
        for pid, (comm, _ppid, t) in procs1.items():
            before = self.procs0.get(pid)
            if pid not in self._ours(procs1):
                totals[comm] += t - (before[2] if before and before[0] == comm else 0.0)
        self.top_foreign = [
            (c, round(t / self.wall, 2)) for c, t in totals.most_common(3) if t > 0.05 * self.wall
        ]


def wait_quiet(limit: float, threshold: float, server_pid: int | None) -> float:
    """Wait (at most ``limit`` seconds) until nothing else uses more than ``threshold`` cores."""
    t0 = time.monotonic()
    while True:
        with CpuWatch(server_pid) as w:
            time.sleep(2)
        if w.foreign <= threshold:
            return time.monotonic() - t0
        if time.monotonic() - t0 > limit:
            print(
                f"    machine still busy ({w.foreign:.2f} cores: {w.top_foreign}); measuring anyway",
                flush=True,
            )
            return time.monotonic() - t0
        print(
            f"    waiting for a quiet machine: others use {w.foreign:.2f} cores {w.top_foreign}", flush=True
        )
        time.sleep(10)
