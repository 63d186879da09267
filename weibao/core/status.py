"""What the status page shows: is the web answering, are workers alive, how much waits.

Read by :func:`weibao.core.views.status_page` and ``GET /api/v1/status`` (platform admins only:
it describes the installation, not a hospital's data). Apps add what waits in their own queues
with :func:`register_backlog` (the notifications app: its outbox).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.utils import timezone

from .models import Heartbeat, PeriodicRun
from .scheduler import HEARTBEAT_SECONDS, WORKER_PREFIX

#: A worker whose heartbeat is older than this is shown as stopped.
WORKER_SILENT_AFTER = timedelta(seconds=3 * HEARTBEAT_SECONDS)
#: Workers silent for longer than this are no longer listed.
WORKERS_LISTED_FOR = timedelta(hours=1)
#: A queue round trip (the periodic heartbeat job) older than this means jobs are not running.
QUEUE_SILENT_AFTER = timedelta(minutes=3)

_backlogs: list[tuple[str, Any, Callable[[], dict[str, int]], dict[str, Any]]] = []


def register_backlog(
    name: str, label: Any, fn: Callable[[], dict[str, int]], *, counts: dict[str, Any] | None = None
) -> None:
    """``fn()`` → counts of what waits, shown under ``label`` with each count's label from
    ``counts`` (the API names them ``name`` and the count's key)."""
    if all(entry[0] != name for entry in _backlogs):
        _backlogs.append((name, label, fn, counts or {}))


def backlog_rows(backlog: dict[str, dict[str, int]]) -> list[tuple[Any, list[tuple[Any, int]]]]:
    """The page's view of :func:`installation_status`'s backlog: labels and counts."""
    return [
        (label, [(counts.get(key, key), value) for key, value in backlog.get(name, {}).items()])
        for name, label, _, counts in _backlogs
    ]


def _workers(now: datetime) -> list[dict[str, Any]]:
    rows = Heartbeat.objects.filter(name__startswith=WORKER_PREFIX, at__gte=now - WORKERS_LISTED_FOR)
    workers = []
    for row in rows.order_by("-at"):
        host, _, pid = row.name[len(WORKER_PREFIX) :].rpartition(":")
        workers.append(
            {
                "host": host,
                "pid": int(pid) if pid.isdigit() else None,
                "started_at": row.started_at,
                "last_seen": row.at,
                "alive": now - row.at <= WORKER_SILENT_AFTER,
            }
        )
    return workers


def _queue() -> dict[str, Any]:
    from huey.contrib.djhuey import HUEY

    try:
        return {"pending": HUEY.pending_count(), "scheduled": HUEY.scheduled_count(), "error": ""}
    except Exception as exc:  # the broker is down: that is what the page must say
        return {"pending": None, "scheduled": None, "error": f"{type(exc).__name__}: {exc}"}


def _periodic() -> list[dict[str, Any]]:
    from .tasks import PERIODIC_TASKS

    runs = []
    for task in sorted(set(PeriodicRun.objects.values_list("task", flat=True).order_by())):
        last = PeriodicRun.objects.filter(task=task).order_by("-tick").first()
        if last is None:
            continue
        short = task.rsplit(".", 1)[-1]
        runs.append(
            {
                "task": short,
                "description": PERIODIC_TASKS.get(short, ""),
                "tick": last.tick,
                "ran_by": last.ran_by,
                "started_at": last.started_at,
                "finished_at": last.finished_at,
                "seconds": (last.finished_at - last.started_at).total_seconds()
                if last.finished_at and last.started_at
                else None,
                "error": last.error,
            }
        )
    return runs


#: Parts of the status page that apps above core add (:func:`register_status_section`): a title,
#: the template that renders them, and a function returning what the template shows.
_SECTIONS: list[tuple[Any, str, Callable[[], Any]]] = []


def register_status_section(title: Any, template: str, provider: Callable[[], Any]) -> None:
    """Let an app (backups) show its state on the status page without core importing it."""
    if all(existing[1] != template for existing in _SECTIONS):
        _SECTIONS.append((title, template, provider))


def status_sections() -> list[dict[str, Any]]:
    """The registered sections with their current data, for the status page."""
    return [
        {"title": title, "template": template, "data": provider()} for title, template, provider in _SECTIONS
    ]


def installation_status() -> dict[str, Any]:
    """Everything the status page shows, as plain data."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    workers = _workers(now)
    round_trip = Heartbeat.objects.filter(name="worker").values_list("at", flat=True).first()
    queue = _queue()
    backlog = {entry[0]: entry[2]() for entry in _backlogs}
    problems = []
    if not any(w["alive"] for w in workers):
        problems.append("no_worker")
    if round_trip is None or now - round_trip > QUEUE_SILENT_AFTER:
        problems.append("queue_silent")
    if queue["error"]:
        problems.append("queue_unreachable")
    return {
        "status": "ok" if not problems else "degraded",
        "problems": problems,
        "checked_at": now,
        "web": {"host": socket.gethostname(), "pid": os.getpid(), "database": connection.vendor},
        "workers": workers,
        "queue": {**queue, "last_round_trip": round_trip},
        "backlog": backlog,
        "periodic": _periodic(),
    }
