"""The hospital's say over a ticket's fault class (故障等级): the class sets the ticket's clocks, so
it is the hospital's to set and change, never the vendor's whose clocks it sets."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.models import User
from weibao.audit.context import AuditContext
from weibao.audit.services import audit_record
from weibao.contracts.models import Severity

from . import notify, permissions
from .choices import EventKind
from .models import Ticket, TicketEvent
from .services import _lock, _resnapshot, _save, severity_required
from .sla import refresh_clocks


def ticket_set_severity(
    *,
    actor: User | None,
    ticket: Ticket,
    severity: Severity | None,
    reason: str = "",
    version: int | None = None,
    context: AuditContext | None = None,
) -> Ticket:
    """The hospital sets (or changes) a ticket's fault class (故障等级): the clocks take the new
    class's targets, counted from the report, and the change is on the timeline and audited."""
    now = timezone.now().replace(microsecond=0)
    with transaction.atomic():
        ticket = _lock(ticket, version)
        if actor is not None and not permissions.can_set_severity(actor, ticket):
            raise PermissionDenied(_("只有医院管理员可以更改故障等级。"))
        if severity is not None and severity.contract_id != ticket.contract_id:
            raise ValidationError({"severity": _("故障等级不属于该合同。")})
        if severity is None and severity_required(ticket.contract, ticket.term):
            raise ValidationError({"severity": _("该服务项目按故障等级计时，不能清除故障等级。")})
        if severity == ticket.severity:
            return ticket
        before = ticket.severity
        ticket.severity = severity
        _save(ticket, ["severity"], now)
        labels = {"from": before.label if before else "", "to": severity.label if severity else ""}
        TicketEvent.objects.create(
            ticket=ticket,
            at=now,
            actor=actor,
            kind=EventKind.CHANGE,
            body=reason.strip(),
            data={"severity": labels},
        )
        _resnapshot(ticket)
        clocks = refresh_clocks(ticket)
        audit_record(
            action="ticket.severity",
            actor=actor,
            context=context,
            obj=ticket,
            organization=ticket.hospital,
            detail={**labels, "reason": reason.strip()},
        )
        notify.on_transition(ticket, "", actor, clocks)
    return ticket
