"""The job worker's scheduler: periodic jobs once per tick however many workers run.

huey runs a scheduler in every consumer, and each one enqueues every periodic job that is due, so
two workers would run every job twice. Here:

- Every scheduler checks the periodic jobs at the same moment, :data:`CHECK_SECOND` seconds
  after each minute of the wall clock (huey counts 60 s from the consumer's start instead, so a
  check could land twice in one minute or skip one). The tick is that minute.
- Before enqueuing a job for a tick, a scheduler inserts its :class:`~weibao.core.models.PeriodicRun`
  row; the unique (job, tick) constraint lets one insert succeed on the whole installation, and
  only that scheduler enqueues. The database is the lock because every worker host shares it
  (Redis is optional), and the row records the run for the status page.
- Each consumer writes its own heartbeat (host and pid) every :data:`HEARTBEAT_SECONDS`, from the
  scheduler's loop: the status page tells a live worker from a dead one without a job having to
  get through the queue.

The huey classes named in ``settings.HUEY`` use :class:`Consumer` (see :mod:`weibao.core.db.queue`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time

from huey.consumer import Consumer as HueyConsumer
from huey.consumer import Scheduler as HueyScheduler

log = logging.getLogger("weibao.periodic")

#: The second of each minute at which the schedulers check the periodic jobs.
CHECK_SECOND = 1
#: How often a consumer records that it is alive.
HEARTBEAT_SECONDS = 15
#: The heartbeat rows of worker processes are named with this prefix, then host:pid.
WORKER_PREFIX = "worker:"


_start_hooks: list = []


def on_worker_start(fn) -> None:
    """Call ``fn`` when a worker starts, before it takes jobs (apps queue what a dead worker
    left behind)."""
    if fn not in _start_hooks:
        _start_hooks.append(fn)


def worker_start_hooks() -> list:
    return list(_start_hooks)


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def next_check(wall: float, monotonic: float) -> float:
    """The monotonic time of the next check: :data:`CHECK_SECOND` past the next wall-clock minute
    (or of this minute, if that is still ahead)."""
    into = wall % 60
    wait = CHECK_SECOND - into if into < CHECK_SECOND else 60 - into + CHECK_SECOND
    return monotonic + wait


def current_tick(wall: float) -> dt.datetime:
    """The minute the periodic jobs are checked for, as an aware UTC datetime."""
    return dt.datetime.fromtimestamp(wall - wall % 60, tz=dt.UTC)


def claim_tick(task_name: str, tick: dt.datetime, task_id: str) -> bool:
    """Record that ``task_name`` runs for ``tick``; ``False`` if another scheduler did first."""
    from django.db import IntegrityError, transaction

    from .models import PeriodicRun

    try:
        with transaction.atomic():
            PeriodicRun.objects.create(
                task=task_name, tick=tick, task_id=task_id, scheduled_by=process_name()
            )
    except IntegrityError:
        return False
    return True


def beat(started_at: dt.datetime) -> None:
    from django.utils import timezone

    from .models import Heartbeat

    Heartbeat.objects.update_or_create(
        name=WORKER_PREFIX + process_name(), defaults={"at": timezone.now(), "started_at": started_at}
    )


class Scheduler(HueyScheduler):
    #: The wall clock (a test sets its own).
    wall = staticmethod(time.time)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._next_periodic = next_check(self.wall(), time.monotonic())
        self._next_beat = 0.0
        self._started_at = dt.datetime.now(dt.UTC)

    def loop(self, now=None):
        if time.monotonic() >= self._next_beat:
            self._next_beat = time.monotonic() + HEARTBEAT_SECONDS
            try:
                beat(self._started_at)
            except Exception:
                self._logger.exception("could not record the worker's heartbeat")
            finally:
                _close_old_connections()
        return super().loop(now)

    def enqueue_periodic_tasks(self, now):
        wall = self.wall()
        # Whatever huey's own count said, the next check is at the next minute of the wall clock.
        self._next_periodic = next_check(wall, time.monotonic())
        tick = current_tick(wall)
        # huey's crontabs compare naive datetimes, in UTC unless the huey was made with utc=False.
        due_at = (tick if self.huey.utc else tick.astimezone()).replace(tzinfo=None)
        try:
            for task in self.huey.read_periodic(due_at):
                try:
                    if not claim_tick(task.name, tick, task.id):
                        self._logger.debug("periodic task %s for %s: claimed elsewhere", task.name, tick)
                        continue
                except Exception:
                    self._logger.exception("could not claim periodic task %s for %s", task.name, tick)
                    continue
                self._logger.info("Enqueueing periodic task %s for %s.", task.name, tick)
                try:
                    self.huey.enqueue(task)
                except Exception:
                    self._logger.exception("Error enqueueing periodic task %s.", task)
        finally:
            _close_old_connections()


def _close_old_connections() -> None:
    from django.db import close_old_connections

    close_old_connections()


class Consumer(HueyConsumer):
    scheduler_class = Scheduler


class ConsumerMixin:
    """For the huey classes of ``settings.HUEY``: their consumer is :class:`Consumer`."""

    def create_consumer(self, **options):
        return Consumer(self, **options)
