"""Writes of the service desk: every change to a ticket goes through one of these services.

Each service is atomic, appends to the ticket's timeline, writes the audit log, re-evaluates the
clocks, and queues notifications and the next clock check only after the transaction commits.
Concurrent edits are refused, not merged: callers pass the ``version`` they read, and a ticket
changed since gets :class:`StaleTicket`.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.audit.context import AuditContext
from weibao.audit.services import audit_event, audit_record, chain_statements
from weibao.calendars.selectors import schedule_by_code
from weibao.contracts.models import Contract, Interface, MaintainedSystem, Module, ServiceTerm, Severity
from weibao.core.db.batch import execute_batch, insert_statement

from . import notify, permissions
from .choices import EventKind, TicketChannel, TicketState
from .models import Ticket, TicketClock, TicketEvent, TicketSequence
from .sla import refresh_clocks, snapshot_clocks
from .workflow import (
    SYSTEM,
    WORK,
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


def _number(ticket: Ticket, year: int) -> None:
    """Give ``ticket`` the hospital's next number of the year, taken atomically in one statement.
    On PostgreSQL outside a transaction the same statement also draws the ticket's id, so the
    ticket and its rows can be inserted together without waiting for it."""
    hospital = ticket.hospital
    table = TicketSequence._meta.db_table
    with connection.cursor() as cursor:
        row = _increment(cursor, table, int(hospital.pk), int(year))
        if row is None:
            TicketSequence.objects.get_or_create(hospital=hospital, year=year)
            row = _increment(cursor, table, int(hospital.pk), int(year))
    ticket.number = f"{hospital.short_code}-{year}-{row[0]:05d}"
    if len(row) > 1:
        ticket.pk = row[1]


def _increment(cursor: Any, table: str, hospital_id: int, year: int) -> tuple[int, ...] | None:
    update = f"UPDATE {table} SET last = last + 1 WHERE hospital_id = %s AND year = %s RETURNING last"
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Its own transaction, committed without waiting for the disk: a ticket that commits
        # later flushes the log up to and past this increment, and one that never commits leaves
        # a gap either way. One round trip: both statements go as one simple query.
        ticket_ids = connection.ops.quote_name(Ticket._meta.db_table)
        cursor.execute(
            "SET LOCAL synchronous_commit = off; "
            + update.replace("%s", "{}").format(hospital_id, year)  # two ints
            + f", nextval(pg_get_serial_sequence('{ticket_ids}', 'id'))"
        )
        cursor.nextset()
    else:
        cursor.execute(update, [hospital_id, year])
    return cursor.fetchone()


def _check_create(actor: Any, contract: Contract) -> None:
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


def assignee_for(*, actor: Any, target: Any, user_id: int | None) -> Any:
    """The user ``user_id`` as the assignee ``actor`` gives ``target`` (a ticket, or the contract
    of a ticket being created); None for None. Anything else is refused with one answer."""
    if user_id is None:
        return None
    from weibao.accounts.models import User

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


def ticket_create(
    *,
    actor: Any,
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
) -> Ticket:
    """Open a ticket under ``contract`` for one of its service terms. ``respond=True`` (a phone
    call logged by an engineer) records the response at the same instant: the call was it."""
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
    if respond:
        # The call taken by the desk is the vendor side's response.
        answered = apply_transition(
            Position(TicketState.NEW, created_at),
            "respond",
            created_at,
            WORK,
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
    year = timezone.localtime(created_at).year
    for attempt in range(NUMBER_ATTEMPTS):
        try:
            _insert_created(
                ticket, events, clocks, year=year, actor=actor, context=context, imported=imported
            )
            return ticket
        except IntegrityError:
            # A number already taken (data from before numbers were kept apart from imports, a
            # sequence row reset by hand): move the sequence past the taken ones and try again.
            if attempt == NUMBER_ATTEMPTS - 1 or not Ticket.objects.filter(number=ticket.number).exists():
                raise
            _skip_taken_numbers(ticket.hospital, year)
            ticket.number, ticket.pk = "", None
    raise AssertionError("unreachable")


#: Tries at a number before a create fails (each after the sequence is moved past taken numbers).
NUMBER_ATTEMPTS = 3


def _skip_taken_numbers(hospital: Any, year: int) -> None:
    """Move the hospital's sequence of ``year`` past the numbers already taken after it."""
    prefix = f"{hospital.short_code}-{year}-"
    with transaction.atomic():
        sequence, _ = TicketSequence.objects.select_for_update().get_or_create(hospital=hospital, year=year)
        taken = {
            int(tail)
            for number in Ticket.objects.filter(number__startswith=prefix).values_list("number", flat=True)
            if (tail := number[len(prefix) :]).isdigit()
        }
        last = sequence.last
        while last + 1 in taken:
            last += 1
        if last != sequence.last:
            TicketSequence.objects.filter(pk=sequence.pk).update(last=last)


def _insert_created(
    ticket: Ticket,
    events: list[TicketEvent],
    clocks: list[TicketClock],
    *,
    year: int,
    actor: Any,
    context: AuditContext | None,
    imported: bool,
) -> None:
    """Number a new ticket and write it with its timeline, clocks and audit record."""
    term, channel = ticket.term, ticket.channel
    if connection.vendor == "postgresql":
        # The number (and the id) is taken in its own statement before the transaction (unless
        # the caller holds one): the sequence row stays locked for that statement only, not until
        # the ticket, its timeline, clocks and audit record are written, so reports in one
        # hospital do not queue behind each other. A create that fails after this leaves a gap.
        # (SQLite has one writer at a time anyway: there it is taken inside the transaction.)
        _number(ticket, year)
    # With its id drawn, the ticket and all its rows are one batch and one transaction of their
    # own, begun and committed by the server in the batch's round trip.
    alone = ticket.pk is not None and not connection.in_atomic_block
    with contextlib.nullcontext() if alone else transaction.atomic():
        if not ticket.number:
            _number(ticket, year)
        writes = []
        if ticket.pk is None:
            ticket.save(force_insert=True)
        else:
            writes.append(insert_statement([ticket]))
        for item in (*events, *clocks):
            item.ticket = ticket
        record = audit_event(
            action="ticket.create",
            actor=actor,
            context=context,
            obj=ticket,
            organization=ticket.hospital,
            detail={"number": ticket.number, "term": term.number, "channel": channel},
        )
        # Ticket (when its id is known), timeline, clocks and audit record: one round trip on
        # PostgreSQL. Nothing is read back: the API answers with the clocks at hand.
        writes += [insert_statement(rows) for rows in (events, clocks) if rows]
        # The promise of the report's notices is a row of the same transaction (the outbox).
        notices = [] if imported else [notify.created_notice(ticket, clocks)]
        if notices:
            writes.append(insert_statement(notices))
        execute_batch([*writes, *chain_statements(record)], commit=alone)
        ticket.fresh_clocks = clocks
        notify.kick(notices)  # queued now when ``alone``: it has committed


def _apply(ticket: Ticket, changes: Changes) -> list[str]:
    """Set on ``ticket`` the state and fields a move sets; returns the names of those fields."""
    ticket.state = changes.state
    for name, value in changes.fields.items():
        setattr(ticket, name, value)
    return ["state", *changes.fields]


def _lock(ticket: Ticket, version: int | None) -> Ticket:
    """Take the ticket's row and check the caller's version; returns the fresh ticket."""
    fresh = Ticket.objects.select_for_update().select_related("contract", "hospital").get(pk=ticket.pk)
    if version is not None and fresh.version != version:
        raise StaleTicket(fresh)
    return fresh


def _save(ticket: Ticket, fields: list[str], at: datetime) -> None:
    ticket.version += 1
    ticket.updated_at = at
    ticket.save(update_fields=[*fields, "version", "updated_at"])


def ticket_transition(
    *,
    actor: Any,
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
        side = SYSTEM if actor is None else permissions.side_of(actor, ticket)
        given = Fields(
            reason=reason, solution=solution, root_cause=root_cause, rating=rating, comment=comment
        )
        try:
            changes = apply_transition(Position(ticket.state, ticket.created_at), action, at, side, given)
        except NotYourMove as exc:
            raise PermissionDenied(str(exc)) from exc
        except IllegalTransition as exc:
            raise ValidationError({exc.field: str(exc)}) from exc
        if changes.missing:
            raise ValidationError({name: _("请填写此项。") for name in changes.missing})
        before = ticket.state
        fields = _apply(ticket, changes)
        if (
            ticket.assignee_id is None
            and actor is not None
            and changes.transition.side == WORK
            and permissions.is_vendor_member(actor, ticket.contract.vendor_id)
        ):
            ticket.assignee = actor
            fields.append("assignee")
        _save(ticket, fields, at)
        events = [TicketEvent(ticket=ticket, actor=actor, **e.columns()) for e in changes.events]
        TicketEvent.objects.bulk_create(events)
        clocks = refresh_clocks(ticket)
        audit_record(
            action=f"ticket.{action}",
            actor=actor,
            context=context,
            obj=ticket,
            organization=ticket.hospital,
            detail={"from": before, "to": changes.state},
        )
        notify.on_transition(ticket, action, actor, clocks)
    return ticket


def ticket_update(
    *,
    actor: Any,
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
            ticket.clocks.all().delete()
            TicketClock.objects.bulk_create(
                TicketClock(ticket=ticket, **spec)
                for spec in snapshot_clocks(
                    contract=ticket.contract, term=term, severity=severity, start=ticket.created_at
                )
            )
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


def ticket_comment(
    *, actor: Any, ticket: Ticket, body: str, internal: bool = False, context: AuditContext | None = None
) -> TicketEvent:
    """A reply the hospital sees, or an internal note only the working side sees."""
    if not body.strip():
        raise ValidationError({"body": _("请填写内容。")})
    if internal and not permissions.sees_internal(actor, ticket):
        raise PermissionDenied(_("只有处理方可以写内部备注。"))
    if not internal:
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
    *, actor: Any, ticket: Ticket, watch: bool = True, context: AuditContext | None = None
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
    *, actor: Any, ticket: Ticket, flag: str, value: bool, reason: str, context: AuditContext | None = None
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
