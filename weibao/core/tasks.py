"""Background jobs of the core app and the periodic-task convention.

Apps put their jobs in ``<app>/tasks.py`` (huey's Django integration imports every app's
``tasks`` module) and declare periodic ones with ``periodic``; a job only calls services.
Periodic jobs run once per tick on the whole installation however many workers run (see
:mod:`weibao.core.scheduler`); ``periodic`` records each run's start, end and error. A module
below ``tasks.py`` that queues one of its app's jobs holds a :class:`JobRef` to it.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime, timedelta
from typing import Any, Generic, ParamSpec

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .models import Heartbeat, IdempotencyKey, PeriodicRun

log = logging.getLogger("weibao.periodic")

P = ParamSpec("P")


class JobRef(Generic[P]):
    """A job that a module queues but cannot import.

    A job calls services, so ``tasks.py`` sits above them; when a service, or what it calls,
    queues a job of its own app (a ticket's check schedules the next check, a notification queues
    its delivery), importing ``tasks.py`` there would close a cycle. The module declares a
    ``JobRef`` instead, and the app's ``ready()`` binds it to the job ``tasks.py`` defines."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._job: Any = None

    def bind(self, job: Any) -> None:
        """The huey task (``@db_task``) this reference queues."""
        self._job = job

    def _bound(self) -> Any:
        if self._job is None:
            raise RuntimeError(f"the job {self.name} is not bound: its app binds it when ready")
        return self._job

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> Any:
        """Queue the job now."""
        return self._bound()(*args, **kwargs)

    def schedule(
        self, *, args: tuple[Any, ...] = (), eta: datetime | None = None, delay: float | None = None
    ) -> Any:
        """Queue the job for ``eta`` or after ``delay`` seconds."""
        return self._bound().schedule(args=args, eta=eta, delay=delay)


#: Every periodic task declared through ``periodic``, by name: the status page lists them.
PERIODIC_TASKS: dict[str, str] = {}

#: How long the records of periodic runs and of dead workers' heartbeats are kept.
RUNS_KEPT = timedelta(days=7)
HEARTBEATS_KEPT = timedelta(days=1)


def periodic(cron: crontab, *, description: str = ""):
    """Declare a periodic job (runs in a worker, once per tick; the schedule is checked at the
    start of every minute)."""

    def decorate(fn):
        PERIODIC_TASKS[fn.__name__] = description or (fn.__doc__ or "").strip()

        @functools.wraps(fn)
        def run(*args, task=None, **kwargs):
            return _run_recorded(fn, task, args, kwargs)

        return db_periodic_task(cron, context=True)(run)

    return decorate


def _run_recorded(fn, task, args, kwargs):
    from .scheduler import process_name

    me = process_name()
    started = timezone.now()
    run = PeriodicRun.objects.filter(task_id=task.id).first() if task is not None else None
    error = ""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        raise
    finally:
        if run is not None:
            PeriodicRun.objects.filter(pk=run.pk).update(
                ran_by=me, started_at=started, finished_at=timezone.now(), error=error
            )
        # One line per execution: how the several-workers test counts runs per tick.
        log.info(
            "periodic run task=%s tick=%s by=%s%s",
            fn.__name__,
            run.tick.strftime("%Y-%m-%dT%H:%MZ") if run is not None else "-",
            me,
            " failed" if error else "",
        )


@periodic(crontab(minute="*"), description="worker heartbeat")
def heartbeat() -> None:
    """Record that a periodic job got through the queue to a worker."""
    Heartbeat.objects.update_or_create(name="worker", defaults={"at": timezone.now()})


@periodic(crontab(hour="2", minute="50"), description="删除过期的幂等键、周期任务记录和已停止进程的心跳")
def prune_core_records() -> dict[str, int]:
    """Keep the idempotency keys, periodic-run records and heartbeats to their retention."""
    from .idempotency import TTL

    now = timezone.now()
    return {
        "idempotency_keys": IdempotencyKey.objects.filter(created_at__lt=now - TTL).delete()[0],
        "periodic_runs": PeriodicRun.objects.filter(tick__lt=now - RUNS_KEPT).delete()[0],
        "heartbeats": Heartbeat.objects.filter(
            name__startswith="worker:", at__lt=now - HEARTBEATS_KEPT
        ).delete()[0],
    }


@db_task()
def ping() -> str:
    """A task that does nothing but prove the queue round-trips (used by tests and `weibao check-worker`)."""
    Heartbeat.objects.update_or_create(name="ping", defaults={"at": timezone.now()})
    return "pong"
