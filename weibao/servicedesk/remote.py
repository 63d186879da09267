"""A remote session started on a ticket, as the clocks see it.

Some contracts promise remote service within a time ("工程师无法立即到场时，30分钟内通过堡垒机远程
服务", seed 002): their response target says ``met_by: remote_session``, and its clock stops at the
``remote_started`` event (:data:`.sla.REMOTE_STARTED`), not at 响应. The remote-access register (an
app above) calls :func:`ticket_remote_started` when an approved session begins; the event is not a
move of the workflow (the ticket's state does not change), so it has no row in ``workflow.WHO``:
like the vendor's working moves, only the vendor's side (or the system) may record it.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.models import User
from weibao.audit.context import AuditContext
from weibao.audit.services import audit_record

from .choices import OPEN_STATES, EventKind
from .models import Ticket, TicketClock, TicketEvent
from .permissions import actor_kind
from .sla import REMOTE_STARTED, refresh_clocks
from .workflow import SYSTEM, VENDOR


def ticket_remote_started(
    *,
    actor: User | None,
    ticket: Ticket,
    at: datetime | None = None,
    note: str = "",
    context: AuditContext | None = None,
) -> list[TicketClock]:
    """Record that a remote session into the hospital's system began on ``ticket`` at ``at`` and
    re-evaluate its clocks (a ``met_by: remote_session`` response clock is met by it). Returns the
    ticket's clocks."""
    at = (at or timezone.now()).replace(microsecond=0)
    if actor_kind(actor, ticket) not in (VENDOR, SYSTEM):
        raise PermissionDenied(_("只有本合同厂商的人员可以登记远程服务。"))
    if ticket.state not in OPEN_STATES:
        raise ValidationError(_("工单已结束，不能再登记远程服务。"))
    if at < ticket.created_at:
        raise ValidationError(_("远程服务不能早于报修时间。"))
    with transaction.atomic():
        TicketEvent.objects.create(
            ticket=ticket,
            actor=actor,
            at=at,
            kind=EventKind.SLA,
            action=REMOTE_STARTED,
            clock_event=REMOTE_STARTED,
            body=(_("开始远程服务：%(n)s") % {"n": note})[:2000] if note else _("开始远程服务"),
        )
        clocks = refresh_clocks(ticket)
        audit_record(action="ticket.remote_started", actor=actor, context=context, obj=ticket)
    return clocks
