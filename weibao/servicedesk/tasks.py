"""Jobs of the service desk. They only call services."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_task

from weibao.core.tasks import periodic

from .escalation import check_many, check_ticket_clocks, scan
from .models import Ticket
from .services import auto_close_resolved


@db_task()
def check_ticket(ticket_id: int) -> None:
    """Scheduled for a ticket's next warning or due."""
    ticket = Ticket.objects.filter(pk=ticket_id).select_related("contract", "hospital").first()
    if ticket is not None:
        check_ticket_clocks(ticket)


@db_task(retries=2, retry_delay=30)
def check_tickets(ticket_ids: list[int], now: str | None = None) -> dict:
    """Warnings and breach notices for a batch of tickets the scan found."""
    from datetime import datetime

    return check_many(ticket_ids, now=datetime.fromisoformat(now) if now else None)


@periodic(crontab(minute="*"), description="SLA scan: warnings at 75 % and breaches")
def sla_scan() -> None:
    """Every minute: the safety net behind the scheduled checks."""
    scan()


@periodic(crontab(minute="7"), description="close tickets left unconfirmed")
def auto_close() -> None:
    """Hourly: close resolved tickets the hospital did not answer within the allowed workdays."""
    auto_close_resolved()
