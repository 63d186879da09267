"""Moving a ticket to another of the hospital's contracts (工单转合同).

A report that reached the wrong contract (another vendor's, or one not yet in force) is moved by
the hospital's admins: the ticket takes the new contract's matching term (same category) and
severity (same level), its clocks are computed again from the report time on the new contract's
targets (:func:`.sla.snapshot_clocks`, as at creation), the timeline names who moved it and why,
the audit log records from and to, and both vendors are told.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.models import User
from weibao.audit.context import AuditContext
from weibao.audit.services import audit_record
from weibao.contracts.models import Contract, ServiceTerm, Severity

from . import notify, permissions, reporting, routing
from .choices import EventKind
from .models import Ticket, TicketClock, TicketEvent
from .services import StaleTicket
from .sla import refresh_clocks, snapshot_clocks


def matching_term(contract: Contract, term: ServiceTerm | None) -> ServiceTerm | None:
    """The term of ``contract`` a ticket under ``term`` falls under: the first of the same
    category, else the contract's reporting term (fault handling, else its first)."""
    if term is not None:
        same: ServiceTerm | None = contract.terms.filter(category=term.category).order_by("number").first()
        if same is not None:
            return same
    return reporting.report_term(contract)


def matching_severity(contract: Contract, severity: Severity | None) -> Severity | None:
    """The severity of ``contract`` at the same level (order) as ``severity``; else the same
    label; else the closest lower level; None when there is nothing to match."""
    if severity is None:
        return None
    levels: list[Severity] = list(contract.severities.order_by("order"))
    if not levels:
        return None
    same = [s for s in levels if s.order == severity.order] or [
        s for s in levels if s.label == severity.label
    ]
    if same:
        return same[0]
    lower = [s for s in levels if s.order >= severity.order]
    return lower[0] if lower else levels[-1]


def move_targets(ticket: Ticket) -> list[Contract]:
    """The contracts the ticket may be moved to: the hospital's others in force at its report time."""
    return list(
        Contract.objects.filter(hospital_id=ticket.hospital_id)
        .in_force(ticket.created_at)
        .exclude(pk=ticket.contract_id)
        .select_related("vendor")
        .order_by("start", "pk")
    )


def _label(obj: object | None) -> str:
    return str(obj) if obj is not None else ""


def ticket_move(
    *,
    actor: User | None,
    ticket: Ticket,
    contract: Contract,
    reason: str,
    version: int | None = None,
    context: AuditContext | None = None,
) -> Ticket:
    """Move ``ticket`` to ``contract`` (another of its hospital's, in force at the report time)."""
    if actor is not None and not permissions.can_move_ticket(actor, ticket, contract):
        raise PermissionDenied(_("只有本医院的管理员可以把工单转到本医院的另一份合同。"))
    if contract.hospital_id != ticket.hospital_id:
        raise PermissionDenied(_("只能转到本医院的合同。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请填写转合同的原因。")})
    now = timezone.now().replace(microsecond=0)
    with transaction.atomic():
        fresh: Ticket = (
            Ticket.objects.select_for_update()
            .select_related("contract__vendor", "hospital", "term")  # never-null joins: FOR UPDATE
            .get(pk=ticket.pk)
        )
        if version is not None and fresh.version != version:
            raise StaleTicket(fresh)
        ticket = fresh
        if contract.pk == ticket.contract_id:
            raise ValidationError({"contract": _("工单已在该合同下。")})
        if not contract.in_force_at(ticket.created_at):
            raise ValidationError(
                {
                    "contract": _("该合同在报修时间（%(d)s）不在服务期内，不能接收此工单。")
                    % {"d": timezone.localtime(ticket.created_at).strftime("%Y-%m-%d %H:%M")}
                }
            )
        term = matching_term(contract, ticket.term)
        if term is None:
            raise ValidationError({"contract": _("该合同没有服务项目，不能接收工单。")})
        severity = matching_severity(contract, ticket.severity)
        old_contract, old_term, old_severity = ticket.contract, ticket.term, ticket.severity
        changes = {
            "contract": {"from": routing.plain_name(old_contract), "to": routing.plain_name(contract)},
            "term": {"from": _label(old_term), "to": _label(term)},
        }
        if old_severity is not None or severity is not None:
            changes["severity"] = {"from": _label(old_severity), "to": _label(severity)}
        ticket.contract, ticket.term, ticket.category, ticket.severity = (
            contract,
            term,
            term.category,
            severity,
        )
        fields = ["contract", "term", "category", "severity"]
        if ticket.system is not None and not routing.covers(contract, ticket.system):
            # The system another contract covers cannot stay on this one's ticket.
            changes["system"] = {"from": _label(ticket.system), "to": ""}
            ticket.system, ticket.module, ticket.interface = None, None, None
            fields += ["system", "module", "interface"]
        if ticket.assignee is not None and not permissions.may_be_assigned(ticket.assignee, ticket):
            changes["assignee"] = {"from": _label(ticket.assignee), "to": ""}
            ticket.assignee = None
            fields.append("assignee")
        ticket.version += 1
        ticket.updated_at = now
        ticket.save(update_fields=[*fields, "version", "updated_at"])
        TicketEvent.objects.create(
            ticket=ticket,
            at=now,
            actor=actor,
            kind=EventKind.CHANGE,
            action="move",
            body=reason.strip(),
            data=changes,
        )
        # The clocks again, from the report time, on the new contract's targets.
        ticket.clocks.all().delete()
        TicketClock.objects.bulk_create(
            TicketClock(ticket=ticket, **spec)
            for spec in snapshot_clocks(
                contract=contract, term=term, severity=severity, start=ticket.created_at
            )
        )
        clocks = refresh_clocks(ticket)
        audit_record(
            action="ticket.move",
            actor=actor,
            context=context,
            obj=ticket,
            organization=ticket.hospital,
            detail={
                "from": old_contract.code,
                "to": contract.code,
                "term": {"from": old_term.number if old_term else None, "to": term.number},
                "reason": reason.strip(),
            },
        )
        notify.on_moved(
            ticket,
            from_vendor_id=old_contract.vendor_id,
            from_contract=old_contract.code,
            reason=reason.strip(),
            clocks=clocks,
        )
    return ticket
