"""Background jobs of the core app and the periodic-task convention.

Apps put their jobs in ``<app>/tasks.py`` (huey's Django integration imports every app's
``tasks`` module) and declare periodic ones with ``periodic``; a job only calls services.
"""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .models import Heartbeat

#: Every periodic task declared through ``periodic``, by name: the worker page lists them.
PERIODIC_TASKS: dict[str, str] = {}


def periodic(cron: crontab, *, description: str = ""):
    """Declare a periodic job (runs in a worker; the schedule is checked once a minute)."""

    def decorate(fn):
        PERIODIC_TASKS[fn.__name__] = description or (fn.__doc__ or "").strip()
        return db_periodic_task(cron)(fn)

    return decorate


@periodic(crontab(minute="*"), description="worker heartbeat")
def heartbeat() -> None:
    """Record that a worker is alive."""
    Heartbeat.objects.update_or_create(name="worker", defaults={"at": timezone.now()})


@db_task()
def ping() -> str:
    """A task that does nothing but prove the queue round-trips (used by tests and `weibao check-worker`)."""
    Heartbeat.objects.update_or_create(name="ping", defaults={"at": timezone.now()})
    return "pong"
