"""The embedded database: Django's SQLite backend, with write transactions queued on a file lock
(see :mod:`weibao.core.db.writer_lock`). Every write transaction is ``BEGIN IMMEDIATE`` (see
settings) and takes the lock first; it is released at commit, rollback or close."""

from __future__ import annotations

from django.db.backends.sqlite3 import base

from ..writer_lock import WriterLock


class DatabaseWrapper(base.DatabaseWrapper):
    _writer: WriterLock | None = None

    def _start_transaction_under_autocommit(self) -> None:
        if not self.is_in_memory_db():
            if self._writer is None:
                self._writer = WriterLock(str(self.settings_dict["NAME"]))
            self._writer.acquire()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writer()
            raise

    def _release_writer(self) -> None:
        if self._writer is not None:
            self._writer.release()

    def _commit(self) -> None:
        try:
            super()._commit()
        finally:
            self._release_writer()

    def _rollback(self) -> None:
        try:
            super()._rollback()
        finally:
            self._release_writer()

    def _close(self) -> None:
        try:
            super()._close()
        finally:
            self._release_writer()
