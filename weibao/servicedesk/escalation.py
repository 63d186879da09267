"""Warnings at 75 % of a clock and notices at breach. Called by the periodic scan and by the
check scheduled for each ticket's next deadline."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from weibao.core.tasks import JobRef

from . import notify
from .choices import ClockStatus, EventKind
from .models import Ticket, TicketClock, TicketEvent
from .sla import RESULT_FIELDS, refresh_clocks

#: :func:`.tasks.check_tickets`, queued for the batches a scan finds (it calls :func:`check_many`).
check_tickets: JobRef[[list[int], str | None]] = JobRef("servicedesk.check_tickets")


def _notices(ticket: Ticket, clocks: list[TicketClock], now: datetime, sent: dict[str, int]) -> None:
    """Send what is due on freshly evaluated clocks (warnings, then breach notices), once each."""
    for clock in clocks:
        if clock.status == ClockStatus.BREACHED and clock.breach_notified_at is None:
            notify.sla_breached(ticket, clock)
            clock.breach_notified_at = clock.warned_at = now
            sent["breaches"] += 1
        elif (
            clock.status == ClockStatus.RUNNING
            and clock.warn_at
            and clock.warn_at <= now
            and not clock.warned_at
        ):
            notify.sla_warning(ticket, clock)
            clock.warned_at = now
            sent["warnings"] += 1


def check_ticket_clocks(ticket: Ticket, *, now: datetime | None = None) -> dict[str, int]:
    """Re-evaluate one ticket's clocks and send what is due: warnings, then breach notices."""
    now = now or timezone.now()
    sent = {"warnings": 0, "breaches": 0}
    with transaction.atomic():
        clocks = refresh_clocks(ticket, now=now)
        _notices(ticket, clocks, now, sent)
        TicketClock.objects.bulk_update(clocks, ["breach_notified_at", "warned_at"])
        notify._schedule(ticket, clocks)
    return sent


def scan(*, now: datetime | None = None, batch: int = 200) -> dict[str, int]:
    """The safety net behind each ticket's scheduled check: every clock whose warning or due has
    passed without notice.

    The scan only finds them (three range reads of partial indexes that hold nothing but running
    and unnotified clocks) and queues their tickets in batches; the workers re-evaluate each
    batch, store the breaches and the tickets' breached flags, and notify. So the scan stays a
    few statements however many tickets breach at once (a calendar fix, a night the workers were
    down), and several workers share the work. A ticket queued recently is not queued again
    while its batch waits (see :func:`_not_queued_lately`).
    """
    now = now or timezone.now()
    pending = (
        TicketClock.objects.filter(
            Q(status=ClockStatus.RUNNING, due_at__lt=now)
            | Q(status=ClockStatus.BREACHED, breach_notified_at__isnull=True)
            | Q(status=ClockStatus.RUNNING, warn_at__lte=now, warned_at__isnull=True)
        )
        .order_by()
        .values_list("pk", "status", "due_at", "ticket_id")
    )
    ids, overdue = _not_queued_lately(pending, now)
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        transaction.on_commit(lambda chunk=chunk: check_tickets(chunk, now.isoformat()))
    return {"overdue": overdue, "tickets": len(ids), "batches": (len(ids) + batch - 1) // batch}


#: A ticket queued by a scan is not queued again by the next scans for this long: after a mass
#: breach the workers need minutes for the batches, and the scan runs every minute.
REQUEUE_AFTER = timedelta(minutes=10)
_QUEUED_KEY = "wb:scan:queued"


def _not_queued_lately(pending: Iterable[tuple[int, str, Any, int]], now: datetime) -> tuple[list[int], int]:
    """The tickets of the pending notices (clock id, status, due, ticket id) that no scan queued
    in the last :data:`REQUEUE_AFTER`, and how many clocks are past their due. The cache
    remembers each scan's notices as a set of ints (the clock id, and whether it is a breach or
    a warning, so a clock that goes on from warned to breached is queued again at once)."""
    from django.core.cache import cache

    horizon = (now - REQUEUE_AFTER).timestamp()
    scans: dict[float, frozenset[int]] = {
        at: keys for at, keys in (cache.get(_QUEUED_KEY) or {}).items() if at > horizon
    }
    fresh: set[int] = set()
    tickets: set[int] = set()
    overdue = 0
    for clock_id, status, due_at, ticket_id in pending:
        breach = status == ClockStatus.BREACHED or (due_at is not None and due_at < now)
        overdue += breach
        key = clock_id * 2 + breach
        if not any(key in keys for keys in scans.values()):
            fresh.add(key)
            tickets.add(ticket_id)
    if fresh:
        scans[now.timestamp()] = frozenset(fresh)
    cache.set(_QUEUED_KEY, scans, int(REQUEUE_AFTER.total_seconds()))
    return sorted(tickets), overdue


def check_many(ticket_ids: list[int], *, now: datetime | None = None) -> dict[str, int]:
    """Notices for a batch of tickets found by the scan (run by a worker): the tickets, their
    clocks and timelines read in three queries, evaluated in memory, only the changed rows written
    back, and the notices recorded together (see :func:`notify.batch`)."""
    now = now or timezone.now()
    totals = {"tickets": 0, "warnings": 0, "breaches": 0}
    tickets = list(
        Ticket.objects.filter(pk__in=ticket_ids).select_related(
            "contract", "hospital", "term", "severity", "department", "assignee"
        )
    )
    ids = [t.pk for t in tickets]
    clocks: dict[int, list[TicketClock]] = defaultdict(list)
    for clock in TicketClock.objects.filter(ticket_id__in=ids):
        clocks[clock.ticket_id].append(clock)
    events: dict[int, list[TicketEvent]] = defaultdict(list)
    for event in (
        TicketEvent.objects.filter(ticket_id__in=ids)
        .exclude(kind=EventKind.CREATED)
        .only("ticket_id", "at", "to_state", "clock_event")
    ):
        events[event.ticket_id].append(event)
    clock_fields = (*RESULT_FIELDS, "breach_notified_at", "warned_at")
    ticket_fields = ("next_due_at", "sla_breached", "sla_provisional")
    clocks_before = {c.pk: _values(c, clock_fields) for mine in clocks.values() for c in mine}
    tickets_before = {t.pk: _values(t, ticket_fields) for t in tickets}
    with transaction.atomic(), notify.batch():
        for ticket in tickets:
            mine = refresh_clocks(
                ticket, now=now, clocks=clocks[ticket.pk], events=events[ticket.pk], save=False
            )
            _notices(ticket, mine, now, totals)
            notify._schedule(ticket, mine)
            totals["tickets"] += 1
            # Only what changed is written: most clocks of a batch are untouched, and a row
            # update each is far cheaper than one bulk update's CASE over every field.
            for clock in mine:
                _write_changes(TicketClock, clock, clock_fields, clocks_before[clock.pk])
            _write_changes(Ticket, ticket, ticket_fields, tickets_before[ticket.pk])
    return totals


def _values(obj: Any, fields: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(getattr(obj, name) for name in fields)


def _write_changes(model: Any, obj: Any, fields: tuple[str, ...], before: tuple[Any, ...]) -> None:
    changed = {
        name: value
        for name, value, old in zip(fields, _values(obj, fields), before, strict=True)
        if value != old
    }
    if changed:
        model.objects.filter(pk=obj.pk).update(**changed)
