"""One writer at a time on an SQLite file, queued in the kernel instead of by SQLite's sleeps.

SQLite admits one writer at a time. A second writer that finds the database locked is put to
sleep by SQLite's busy handler for 1, 2, 5, 10… up to 100 ms before it looks again, so under
concurrent writes (two web workers filing tickets, the job worker) the machine idles while writers
sleep and the tail latency grows. Taking an exclusive ``flock`` on a file beside the database
before ``BEGIN`` makes a waiting writer block in the kernel and wake the moment the previous one
commits. Readers are not affected (WAL).
"""

from __future__ import annotations

import fcntl
import os


class WriterLock:
    """An exclusive lock on ``<database>.writer-lock``, held by one transaction at a time. Each
    instance opens its own descriptor, so connections in one process (threads) queue too."""

    def __init__(self, database: str) -> None:
        self.path = f"{database}.writer-lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        if self._fd is None:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
