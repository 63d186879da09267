"""Keep a child process running: ``weibao serve`` uses it for the job worker.

The rules, all of them:

- A child that exits while we are not stopping is started again after a delay: 1 s, then
  doubling on each further exit, at most :attr:`Backoff.limit`. A child that ran for at least
  :attr:`Backoff.healthy_after` before exiting starts from the first delay again.
- Every exit and every restart is logged (logger ``weibao.serve``, level WARNING).
- Nothing else: no health probes, no restart limits. The web server is gunicorn, whose own
  arbiter restarts its workers; a worker crash never touches it.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

log = logging.getLogger("weibao.serve")


@dataclass
class Backoff:
    """The delay before the next start, from how long the last run lasted."""

    first: float = 1.0
    limit: float = 60.0
    healthy_after: float = 60.0
    _current: float = field(default=0.0, init=False)

    def after_exit(self, ran_for: float) -> float:
        if ran_for >= self.healthy_after or self._current == 0.0:
            self._current = self.first
        else:
            self._current = min(self._current * 2, self.limit)
        return self._current


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"signal {-returncode}"
    return f"exit code {returncode}"


class Supervised:
    """One child process, started again whenever it exits (see the module's rules).

    Call :meth:`check` regularly from the supervising loop; it never blocks.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = dict(env) if env is not None else None
        self.backoff = backoff or Backoff()
        self.clock = clock
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0
        self.restart_at: float | None = None
        self.restarts = 0
        self.stopping = False

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None and self.process.poll() is None else None

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv, env=self.env)
        self.started_at = self.clock()
        self.restart_at = None
        log.info("%s started (pid %s)", self.name, self.process.pid)

    def check(self) -> None:
        """Notice an exit and schedule the restart; start again when the delay has passed."""
        if self.stopping:
            return
        now = self.clock()
        if self.process is not None and self.restart_at is None:
            code = self.process.poll()
            if code is None:
                return
            delay = self.backoff.after_exit(now - self.started_at)
            self.restart_at = now + delay
            log.warning(
                "%s (pid %s) stopped with %s after %.0f s; starting it again in %.0f s",
                self.name,
                self.process.pid,
                describe_exit(code),
                now - self.started_at,
                delay,
            )
        if self.restart_at is not None and now >= self.restart_at:
            self.restarts += 1
            self.start()

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Ask the child to stop and start it no more."""
        self.stopping = True
        self.restart_at = None
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)

    def wait(self, timeout: float) -> None:
        """Wait for a stopped child; kill it if it takes longer than ``timeout``."""
        if self.process is None:
            return
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log.warning("%s (pid %s) did not stop in %.0f s; killed", self.name, self.process.pid, timeout)
            self.process.kill()
            self.process.wait()
