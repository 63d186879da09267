"""Warnings at 75 % of a clock and notices at breach. Called by the periodic scan and by the
check scheduled for each ticket's next deadline."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import notify
from .choices import ClockStatus, EventKind
from .models import Ticket, TicketClock, TicketEvent
from .sla import RESULT_FIELDS, refresh_clocks


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
    """The safety net: every clock whose warning or due has passed without notice.

    Running clocks past their due are marked breached in one statement (a running clock's stored
    due is exact until the ticket changes, and every change re-evaluates it); the tickets are then
    re-evaluated and notified by the job queue in batches (which also sets their breached flag), so
    the scan stays a few statements however many tickets breach at once, and several workers share
    the work.
    """
    now = now or timezone.now()
    marked = TicketClock.objects.filter(status=ClockStatus.RUNNING, due_at__lt=now).update(
        status=ClockStatus.BREACHED, breached_at=F("due_at")
    )
    ids = list(
        TicketClock.objects.filter(
            Q(status=ClockStatus.BREACHED, breach_notified_at__isnull=True)
            | Q(status=ClockStatus.RUNNING, warn_at__lte=now, warned_at__isnull=True)
        )
        .order_by()  # the model's ordering would make DISTINCT repeat a ticket per clock
        .values_list("ticket_id", flat=True)
        .distinct()
    )
    from .tasks import check_tickets

    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        transaction.on_commit(lambda chunk=chunk: check_tickets(chunk, now.isoformat()))
    return {"marked": marked, "tickets": len(ids), "batches": (len(ids) + batch - 1) // batch}


def check_many(ticket_ids: list[int], *, now: datetime | None = None) -> dict[str, int]:
    """Notices for a batch of tickets found by the scan (run by a worker): the tickets, their
    clocks and timelines read in three queries, evaluated in memory, written back in two bulk
    updates, and the notices recorded together (see :func:`notify.batch`)."""
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
    before = {
        **{("c", c.pk): _values(c, clock_fields) for mine in clocks.values() for c in mine},
        **{("t", t.pk): _values(t, ticket_fields) for t in tickets},
    }
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
                _write_changes(TicketClock, clock, clock_fields, before[("c", clock.pk)])
            _write_changes(Ticket, ticket, ticket_fields, before[("t", ticket.pk)])
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
