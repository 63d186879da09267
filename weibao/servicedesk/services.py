"""Writes of the service desk: every change to a ticket goes through one of these services.

Each service is atomic, appends to the ticket's timeline, writes the audit log, re-evaluates the
clocks, and queues notifications and the next clock check only after the transaction commits.
Concurrent edits are refused, not merged: callers pass the ``version`` they read, and a ticket
changed since gets :class:`StaleTicket`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, ParamSpec

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from weibao.accounts.models import User
from weibao.audit.context import AuditContext
from weibao.audit.services import audit_event, audit_record
from weibao.calendars.selectors import schedule_by_code
from weibao.contracts.models import Contract, Interface, MaintainedSystem, Module, ServiceTerm, Severity

from . import notify, permissions, persist, routing
from .choices import EventKind, TicketChannel, TicketState
from .models import Ticket, TicketClock, TicketEvent
from .sla import pauses_needing_agreement, refresh_clocks, snapshot_clocks
from .workflow import (
    VENDOR,
    Changes,
    Fields,
    IllegalTransition,
    NotYourMove,
    Position,
    apply_transition,
)


class StaleTicket(Exception):
    """The ticket changed since the caller read it (optimistic locking)."""

    def __init__(self, ticket: Ticket) -> None:
        super().__init__(
            _("工单 %(n)s 已被他人修改（当前版本 %(v)s），请刷新后重试。")
            % {"n": ticket.number, "v": ticket.version}
        )
        self.ticket = ticket


def severity_required(contract: Contract, term: ServiceTerm) -> bool:
    """A term whose targets are its fault class's (``by_severity`` in the template) has no clock
    without a severity: on a contract that defines severities, the report must name one."""
    return bool((term.extra or {}).get("by_severity")) and contract.severities.exists()


def _highest_severity(severity: Severity | None) -> bool:
    """The contract's highest fault class (致命; the templates list the most severe first)."""
    if severity is None:
        return False
    return not Severity.objects.filter(contract_id=severity.contract_id, order__lt=severity.order).exists()


def _check_create(actor: User | None, contract: Contract) -> None:
    if not permissions.can_report(actor, contract):
        raise PermissionDenied(_("您不能为该合同报修。"))


def _assignee_refused() -> ValidationError:
    # One answer for every refusal (no such user, a user of another organisation, not the
    # actor's to assign), so that the answer tells nothing about other tenants' user ids.
    return ValidationError(
        {
            "assignee": _(
                "无法指派该处理人：处理人须为该合同厂商或医院信息科的人员，且只有项目经理或医院管理员可以指派他人。"
            )
        }
    )


def assignee_for(*, actor: User | None, target: Any, user_id: int | None) -> Any:
    """The user ``user_id`` as the assignee ``actor`` gives ``target`` (a ticket, or the contract
    of a ticket being created); None for None. Anything else is refused with one answer."""
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not permissions.can_assign(actor, target, user):
        raise _assignee_refused()
    return user


def _belongs(obj: Any, contract: Contract, what: str) -> None:
    if obj is None:
        return
    hospital_id = obj.hospital_id if isinstance(obj, MaintainedSystem) else obj.system.hospital_id
    if hospital_id != contract.hospital_id:
        raise ValidationError({what: _("所选%(w)s不属于该合同的医院。") % {"w": what}})


def ticket_create_with_clocks(
    *,
    actor: User | None,
    contract: Contract,
    term: ServiceTerm,
    title: str,
    description: str = "",
    severity: Severity | None = None,
    system: MaintainedSystem | None = None,
    module: Module | None = None,
    interface: Interface | None = None,
    department: Any = None,
    channel: str = TicketChannel.WEB,
    reporter: Any = None,
    caller_name: str = "",
    caller_department: str = "",
    caller_phone: str = "",
    location: str = "",
    assignee: Any = None,
    created_at: datetime | None = None,
    respond: bool = False,
    imported: bool = False,
    context: AuditContext | None = None,
) -> tuple[Ticket, list[TicketClock]]:
    """Open a ticket under ``contract`` for one of its service terms. ``respond=True`` (a phone
    call logged by an engineer) records the response at the same instant: the call was it.
    Returns the ticket and its clocks as evaluated at creation (an answer need not read them
    back); :func:`ticket_create` returns the ticket alone."""
    _check_create(actor, contract)
    errors: dict[str, str] = {}
    if term.contract_id != contract.pk:
        errors["term"] = _("服务项目不属于该合同。")
    if severity is not None and severity.contract_id != contract.pk:
        errors["severity"] = _("故障等级不属于该合同。")
    if not title.strip():
        errors["title"] = _("请填写标题。")
    if channel not in TicketChannel.values:
        errors["channel"] = _("未知的报修渠道。")
    if department is not None and department.hospital_id != contract.hospital_id:
        errors["department"] = _("科室不属于该医院。")
    if module is not None and system is not None and module.system_id != system.pk:
        errors["module"] = _("模块不属于所选系统。")
    if severity is None and not imported and severity_required(contract, term):
        errors["severity"] = _("“%(t)s”按故障等级计时，请选择故障等级（%(s)s）。") % {
            "t": term.item,
            "s": "、".join(contract.severities.values_list("label", flat=True)),
        }
    if errors:
        raise ValidationError(errors)
    if assignee is not None and not permissions.can_assign(actor, contract, assignee):
        raise _assignee_refused()
    _belongs(system, contract, "system")
    _belongs(module, contract, "module")
    _belongs(interface, contract, "interface")
    if system is None and module is not None:
        system = module.system
    # Clocks count whole seconds; so do the instants they are computed from.
    created_at = (created_at or timezone.now()).replace(microsecond=0)
    if not imported:  # a ledger row records what happened; a report must reach a contract in force
        routing.check_takes(contract, system=system, at=created_at)
    if (
        actor is not None
        and reporter is None
        and any(m.organization_id == contract.hospital_id for m in actor.active_memberships())
    ):
        reporter = actor
    if department is None and reporter is not None:
        department = next(
            (
                m.department
                for m in reporter.active_memberships()
                if m.organization_id == contract.hospital_id and m.department_id
            ),
            None,
        )
    ticket = Ticket(
        hospital=contract.hospital,
        contract=contract,
        term=term,
        category=term.category,
        severity=severity,
        system=system,
        module=module,
        interface=interface,
        department=department,
        title=title.strip()[:200],
        description=description,
        channel=channel,
        reporter=reporter,
        caller_name=caller_name,
        caller_department=caller_department,
        caller_phone=caller_phone,
        location=location,
        assignee=assignee,
        created_at=created_at,
        updated_at=created_at,
        imported=imported,
    )
    events = [
        TicketEvent(
            at=created_at,
            actor=actor,
            kind=EventKind.CREATED,
            to_state=TicketState.NEW,
            data={"channel": channel},
        )
    ]
    if respond and (actor is None or permissions.is_vendor_member(actor, contract.vendor_id)):
        # The call taken by the vendor's desk is the vendor's response (受理即响应); a call the
        # hospital's people write down is a report like any other, and the vendor's clock runs.
        answered = apply_transition(
            Position(TicketState.NEW, created_at),
            "respond",
            created_at,
            VENDOR,
            Fields(comment=_("电话受理即响应")),
        )
        _apply(ticket, answered)
        events += [TicketEvent(actor=actor, **e.columns()) for e in answered.events]
    # Evaluate the clocks before anything is written, so the ticket and its clocks are inserted
    # once with their final values.
    clocks = [
        TicketClock(**spec)
        for spec in snapshot_clocks(contract=contract, term=term, severity=severity, start=created_at)
    ]
    refresh_clocks(ticket, clocks=clocks, events=events[1:], save=False)

    def audit(ticket: Ticket) -> Any:
        return audit_event(
            action="ticket.create",
            actor=actor,
            context=context,
            obj=ticket,
            organization=ticket.hospital,
            detail={"number": ticket.number, "term": term.number, "channel": channel},
        )

    def outbox(ticket: Ticket) -> list[Any]:
        # The promise of the report's notices is a row of the same transaction.
        return [] if imported else [notify.created_notice(ticket, clocks)]

    notices = persist.insert_ticket(ticket, events=events, clocks=clocks, audit=audit, outbox=outbox)
    notify.kick(notices)  # once committed
    return ticket, clocks


_P = ParamSpec("_P")


def _ticket_alone(create: Callable[_P, tuple[Ticket, list[TicketClock]]]) -> Callable[_P, Ticket]:
    def ticket_create(*args: _P.args, **kwargs: _P.kwargs) -> Ticket:
        """Open a ticket (see :func:`ticket_create_with_clocks`); returns the ticket."""
        return create(*args, **kwargs)[0]

    return ticket_create


#: :func:`ticket_create_with_clocks`, returning the ticket alone (what most callers need).
ticket_create = _ticket_alone(ticket_create_with_clocks)


def _apply(ticket: Ticket, changes: Changes) -> list[str]:
    """Set on ``ticket`` the state and fields a move sets; returns the names of those fields."""
    ticket.state = changes.state
    for name, value in changes.fields.items():
        setattr(ticket, name, value)
    return ["state", *changes.fields]


def _lock(ticket: Ticket, version: int | None) -> Ticket:
    """Take the ticket's row and check the caller's version; returns the fresh ticket."""
    fresh: Ticket = (
        Ticket.objects.select_for_update().select_related("contract", "hospital").get(pk=ticket.pk)
    )
    if version is not None and fresh.version != version:
        raise StaleTicket(fresh)
    return fresh


def _save(ticket: Ticket, fields: list[str], at: datetime) -> None:
    ticket.version += 1
    ticket.updated_at = at
    ticket.save(update_fields=[*fields, "version", "updated_at"])


#: What a move may ask for, as the page names it.
MOVE_FIELDS = {
    "reason": gettext_lazy("原因"),
    "solution": gettext_lazy("解决方案"),
    "root_cause": gettext_lazy("根本原因"),
    "rating": gettext_lazy("评价"),
}


def ticket_transition(
    *,
    actor: User | None,
    ticket: Ticket,
    action: str,
    version: int | None = None,
    at: datetime | None = None,
    reason: str = "",
    solution: str = "",
    root_cause: str = "",
    rating: int | None = None,
    comment: str = "",
    context: AuditContext | None = None,
) -> Ticket:
    """Move a ticket along the workflow (响应, 开始处理, 需要到场, 已到场, 挂起, 等待医院, 继续处理,
    已解决, 确认并评价, 重新打开, 取消). Illegal moves and missing fields get clear messages."""
    at = (at or timezone.now()).replace(microsecond=0)
    with transaction.atomic():
        ticket = _lock(ticket, version)
        kind = permissions.actor_kind(actor, ticket)
        given = Fields(
            reason=reason, solution=solution, root_cause=root_cause, rating=rating, comment=comment
        )
        try:
            changes = apply_transition(position_of(ticket), action, at, kind, given)
        except NotYourMove as exc:
            raise PermissionDenied(str(exc)) from exc
        except IllegalTransition as exc:
            raise ValidationError({exc.field: str(exc)}) from exc
        if changes.missing:
            raise ValidationError(
                {
                    name: _("请填写%(field)s。") % {"field": MOVE_FIELDS.get(name, name)}
                    for name in changes.missing
                }
            )
        before = ticket.state
        fields = _apply(ticket, changes)
        if "pending_action" in changes.fields:
            ticket.pending_by = actor if changes.requested else None
            fields.append("pending_by")
        if ticket.assignee_id is None and kind == VENDOR and action not in ("cancel",):
            ticket.assignee = actor
            fields.append("assignee")
        _save(ticket, fields, at)
        events = [TicketEvent(ticket=ticket, actor=actor, **e.columns()) for e in changes.events]
        TicketEvent.objects.bulk_create(events)
        clocks = refresh_clocks(ticket)
        audit_record(
            action=f"ticket.request.{changes.requested}" if changes.requested else f"ticket.{action}",
            actor=actor,
            context=context,
            obj=ticket,
            organization=ticket.hospital,
            detail={"from": before, "to": changes.state},
        )
        notify.on_transition(
            ticket, changes.transition.action if ticket.state != before else "", actor, clocks
        )
        if changes.requested:
            notify.on_request(ticket, changes.requested, actor)
    return ticket


def position_of(ticket: Ticket) -> Position:
    """Where ``ticket`` stands for the workflow: its state, the vendor's pending request, and the
    states the vendor may not enter alone (its contract's clock rules and its severity say)."""
    return Position(
        ticket.state,
        ticket.created_at,
        pending=ticket.pending_action,
        pending_reason=ticket.pending_reason,
        pending_by=str(ticket.pending_by) if ticket.pending_by_id else "",
        needs_agreement=pauses_needing_agreement(
            ticket.clocks.all(),
            rules=ticket.contract.clock_rules,
            highest_severity=_highest_severity(ticket.severity),
        ),
    )


def ticket_update(
    *,
    actor: User | None,
    ticket: Ticket,
    version: int | None = None,
    context: AuditContext | None = None,
    **fields: Any,
) -> Ticket:
    """Change a ticket's fields. A new category (service term) or severity re-snapshots the clocks
    from the contract; the clocks still count from the ticket's creation."""
    allowed = {
        "title",
        "description",
        "term",
        "severity",
        "system",
        "module",
        "interface",
        "location",
        "assignee",
        "department",
    }
    if set(fields) - allowed:
        raise ValidationError(_("不能修改字段：%(f)s") % {"f": ", ".join(sorted(set(fields) - allowed))})
    now = timezone.now()
    with transaction.atomic():
        ticket = _lock(ticket, version)
        if actor is not None and not (
            permissions.can_work(actor, ticket)
            or (
                set(fields) <= {"title", "description", "location"}
                and permissions.can_act_for_hospital(actor, ticket)
            )
        ):
            raise PermissionDenied(_("您不能修改此工单。"))
        if "severity" in fields and actor is not None and not permissions.can_set_severity(actor, ticket):
            raise PermissionDenied(_("只有医院管理员可以更改故障等级。"))
        assignee = fields.get("assignee")
        if assignee is not None and not permissions.can_assign(actor, ticket, assignee):
            raise _assignee_refused()
        term, severity = fields.get("term", ticket.term), fields.get("severity", ticket.severity)
        if term.contract_id != ticket.contract_id:
            raise ValidationError({"term": _("服务项目不属于该合同。")})
        if severity is not None and severity.contract_id != ticket.contract_id:
            raise ValidationError({"severity": _("故障等级不属于该合同。")})
        for name in ("system", "module", "interface"):
            if fields.get(name) is not None:
                _belongs(fields[name], ticket.contract, name)
        changes = {}
        for key, value in fields.items():
            old = getattr(ticket, key)
            if old != value:
                changes[key] = (str(old) if old is not None else "", str(value) if value is not None else "")
                setattr(ticket, key, value)
        if not changes:
            return ticket
        if "term" in changes:
            ticket.category = term.category
        _save(ticket, [*fields, "category"], now)
        TicketEvent.objects.create(
            ticket=ticket,
            at=now,
            actor=actor,
            kind=EventKind.ASSIGN if set(changes) == {"assignee"} else EventKind.CHANGE,
            data={k: {"from": a, "to": b} for k, (a, b) in changes.items()},
        )
        if {"term", "severity"} & set(changes):
            _resnapshot(ticket)
        clocks = refresh_clocks(ticket)
        audit_record(
            action="ticket.update",
            actor=actor,
            context=context,
            obj=ticket,
            organization=ticket.hospital,
            detail={"changes": changes},
        )
        if "assignee" in changes and ticket.assignee is not None:
            notify.on_assigned(ticket, clocks)
    return ticket


def _resnapshot(ticket: Ticket) -> None:
    """The ticket's category or severity changed: its clocks take the contract's targets for the
    new ones, still counted from the ticket's creation."""
    ticket.clocks.all().delete()
    TicketClock.objects.bulk_create(
        TicketClock(ticket=ticket, **spec)
        for spec in snapshot_clocks(
            contract=ticket.contract, term=ticket.term, severity=ticket.severity, start=ticket.created_at
        )
    )


def ticket_comment(
    *,
    actor: User | None,
    ticket: Ticket,
    body: str,
    internal: bool = False,
    context: AuditContext | None = None,
) -> TicketEvent:
    """A reply the hospital sees, or an internal note only the working side sees."""
    if not body.strip():
        raise ValidationError({"body": _("请填写内容。")})
    if internal and not permissions.sees_internal(actor, ticket):
        raise PermissionDenied(_("只有处理方可以写内部备注。"))
    if not internal and actor is not None:  # None: the system (an alert's recovery note)
        permissions.require_reply_publicly(actor, ticket)
    with transaction.atomic():
        event = TicketEvent.objects.create(
            ticket=ticket,
            actor=actor,
            kind=EventKind.NOTE if internal else EventKind.REPLY,
            body=body.strip(),
            internal=internal,
        )
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=event.at)
        audit_record(
            action="ticket.note" if internal else "ticket.reply",
            actor=actor,
            context=context,
            obj=ticket,
            organization=ticket.hospital,
        )
        if not internal:
            notify.on_reply(ticket, actor, event)
    return event


def ticket_watch(
    *, actor: User, ticket: Ticket, watch: bool = True, context: AuditContext | None = None
) -> Ticket:
    """Follow (关注) a ticket: watchers hear about replies and changes, so only people who may
    see the ticket may follow it."""
    if watch and not permissions.may_be_notified_of_ticket(actor, ticket):
        raise PermissionDenied(_("您不能关注此工单。"))
    if watch:
        ticket.watchers.add(actor)
    else:
        ticket.watchers.remove(actor)
    audit_record(
        action="ticket.watch" if watch else "ticket.unwatch",
        actor=actor,
        context=context,
        obj=ticket,
        organization=ticket.hospital,
    )
    return ticket


FLAGS = {"vendor_caused": _("因乙方原因"), "adverse_event": _("恶性事件")}


def ticket_flag(
    *,
    actor: User | None,
    ticket: Ticket,
    flag: str,
    value: bool,
    reason: str,
    context: AuditContext | None = None,
) -> Ticket:
    """Mark (or unmark) a ticket as vendor-caused (因乙方原因) or an adverse event (恶性事件): the
    hospital's admins decide, with a reason; the assessment counts these."""
    if flag not in FLAGS:
        raise ValidationError({"flag": _("未知的标记。")})
    if not permissions.can_flag_ticket(actor, ticket):
        raise PermissionDenied(_("只有医院管理员可以设置此标记。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请填写原因。")})
    now = timezone.now()
    with transaction.atomic():
        ticket = _lock(ticket, None)
        setattr(ticket, flag, value)
        setattr(ticket, f"{flag}_by", actor)
        setattr(ticket, f"{flag}_reason", reason.strip())
        _save(ticket, [flag, f"{flag}_by", f"{flag}_reason"], now)
        TicketEvent.objects.create(
            ticket=ticket,
            at=now,
            actor=actor,
            kind=EventKind.FLAG,
            action=flag,
            body=reason.strip(),
            data={"flag": flag, "value": value},
        )
        audit_record(
            action=f"ticket.flag.{flag}",
            actor=actor,
            context=context,
            obj=ticket,
            organization=ticket.hospital,
            detail={"value": value, "reason": reason.strip()},
        )
    return ticket


def auto_close_resolved(*, now: datetime | None = None) -> int:
    """Close tickets left 待确认 for the configured number of working days (5x8) without an answer."""
    now = now or timezone.now()
    days = getattr(settings, "WEIBAO_AUTO_CLOSE_WORKDAYS", 3)
    schedule = schedule_by_code("5x8")
    closed = 0
    for ticket in Ticket.objects.filter(state=TicketState.RESOLVED, resolved_at__isnull=False).select_related(
        "contract"
    ):
        due, _provisional = schedule.add_workdays(ticket.resolved_at, days)
        if due <= now:
            ticket_transition(actor=None, ticket=ticket, action="auto_close", at=max(due, ticket.resolved_at))
            closed += 1
    return closed
