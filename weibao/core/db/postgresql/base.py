"""PostgreSQL: Django's backend, whose health check of a persistent connection is skipped while
the connection has just been seen working.

Django checks a reused connection with a ``SELECT 1`` at the start of every request: a round
trip, and a fifth of a report's work on the database. A connection that passed its check or
committed work less than :data:`CHECK_AFTER_SECONDS` ago is taken as it is; one not seen working for
longer (when a server restart or an idle timeout has had time to cut it) is checked as before.
A request that meets a connection cut within that second fails as one already running would, and
Django closes the broken connection at the end of that request.
"""

from __future__ import annotations

import time

from django.db.backends.postgresql import base

CHECK_AFTER_SECONDS = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    _seen_working_at: float = float("-inf")

    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is not None
            and not self.health_check_done
            and time.monotonic() - self._seen_working_at < CHECK_AFTER_SECONDS
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def is_usable(self) -> bool:
        usable = super().is_usable()
        self._seen_working_at = time.monotonic() if usable else float("-inf")
        return usable

    def seen_working(self) -> None:
        """The connection has just done some work (a commit, or a statement run and committed on
        its own in autocommit mode)."""
        self._seen_working_at = time.monotonic()

    def _commit(self) -> None:
        super()._commit()
        self.seen_working()

    def _close(self) -> None:
        self._seen_working_at = float("-inf")
        super()._close()
