"""The embedded job queue: huey's SQLite storage with the web workers' enqueues queued on a file
lock (see :mod:`weibao.core.db.writer_lock`) and ``synchronous=NORMAL`` in WAL mode, as the main
database: a committed job survives a crash of any process; only a power loss may drop the last
ones, where huey's default pays a disk flush on every enqueue."""

from __future__ import annotations

import contextlib

from huey import Huey, PriorityRedisHuey
from huey.storage import SqliteStorage

from weibao.core.scheduler import ConsumerMixin

from .writer_lock import WriterLock


class QueueStorage(SqliteStorage):
    begin_sql = "begin immediate"

    def _create_connection(self):
        conn = super()._create_connection()
        conn.execute("pragma synchronous=NORMAL")
        return conn

    @contextlib.contextmanager
    def db(self, commit=False, close=False):
        if not commit:
            with super().db(commit=False, close=close) as cursor:
                yield cursor
            return
        writer = WriterLock(self.filename)
        writer.acquire()
        try:
            with super().db(commit=True, close=close) as cursor:
                yield cursor
        finally:
            writer.release()


class EmbeddedHuey(ConsumerMixin, Huey):
    storage_class = QueueStorage


class RedisQueue(ConsumerMixin, PriorityRedisHuey):
    """The grown installation's queue: huey's Redis storage, with Weibao's scheduler."""
