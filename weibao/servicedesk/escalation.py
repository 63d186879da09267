"""Warnings at 75 % of a clock and notices at breach. Called by the periodic scan and by the
check scheduled for each ticket's next deadline."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import notify
from .choices import ClockStatus
from .models import Ticket, TicketClock
from .sla import refresh_clocks


def check_ticket_clocks(ticket: Ticket, *, now: datetime | None = None) -> dict[str, int]:
    """Re-evaluate one ticket's clocks and send what is due: warnings, then breach notices."""
    now = now or timezone.now()
    sent = {"warnings": 0, "breaches": 0}
    with transaction.atomic():
        clocks = refresh_clocks(ticket, now=now)
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
    """Notices for a batch of tickets found by the scan (run by a worker)."""
    totals = {"tickets": 0, "warnings": 0, "breaches": 0}
    for ticket in Ticket.objects.filter(pk__in=ticket_ids).select_related(
        "contract", "hospital", "term", "severity"
    ):
        sent = check_ticket_clocks(ticket, now=now)
        totals["tickets"] += 1
        totals["warnings"] += sent["warnings"]
        totals["breaches"] += sent["breaches"]
    return totals
