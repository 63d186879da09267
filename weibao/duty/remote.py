"""Writes and reads of the remote access register: a vendor engineer asks to enter a hospital
system remotely, the hospital approves or refuses, the engineer starts and ends the session; a
session still open after its planned end is overdue. A session started on a ticket tells the
service desk (``servicedesk.remote.ticket_remote_started``), whose clocks it may meet."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts import permissions
from weibao.accounts.models import User
from weibao.audit.context import AuditContext
from weibao.audit.services import audit_record
from weibao.contracts.models import Contract, MaintainedSystem
from weibao.servicedesk.models import Ticket
from weibao.servicedesk.remote import ticket_remote_started

from .choices import RemoteState
from .models import RemoteSession

#: The longest window one request may ask for.
MAX_WINDOW_HOURS = 72


def remote_request(
    *,
    actor: User | None,
    contract: Contract,
    system: MaintainedSystem,
    purpose: str,
    planned_start: datetime,
    planned_end: datetime,
    ticket: Ticket | None = None,
    context: AuditContext | None = None,
) -> RemoteSession:
    """The engineer ``actor`` asks to enter ``system`` from ``planned_start`` to ``planned_end``."""
    if actor is None or not permissions.can_request_remote(actor, contract):
        raise PermissionDenied(_("只有本合同厂商的人员可以申请远程运维。"))
    if system.contract_id != contract.pk:
        raise ValidationError({"system": _("这个系统不在本合同内。")})
    if ticket is not None and ticket.contract_id != contract.pk:
        raise ValidationError({"ticket": _("关联的工单必须属于本合同。")})
    if not purpose.strip():
        raise ValidationError({"purpose": _("请填写远程运维的目的。")})
    if timezone.is_naive(planned_start) or timezone.is_naive(planned_end):
        raise ValidationError(_("时间必须带时区。"))
    if planned_end <= planned_start:
        raise ValidationError({"planned_end": _("计划结束时间必须晚于开始时间。")})
    if (planned_end - planned_start).total_seconds() > MAX_WINDOW_HOURS * 3600:
        raise ValidationError({"planned_end": _("一次远程运维最长 %(h)d 小时。") % {"h": MAX_WINDOW_HOURS}})
    with transaction.atomic():
        session = RemoteSession.objects.create(
            hospital_id=contract.hospital_id,
            contract=contract,
            system=system,
            ticket=ticket,
            engineer=actor,
            purpose=purpose.strip()[:500],
            planned_start=planned_start,
            planned_end=planned_end,
        )
        audit_record(action="duty.remote_request", actor=actor, context=context, obj=session)
    return session


def remote_decide(
    *, actor: User | None, session: RemoteSession, approve: bool, context: AuditContext | None = None
) -> RemoteSession:
    """The hospital approves or refuses a requested session."""
    if not permissions.can_approve_remote(actor, session.contract):
        raise PermissionDenied(_("只有医院管理员可以审批远程运维。"))
    with transaction.atomic():
        session = RemoteSession.objects.select_for_update().get(pk=session.pk)
        if session.state != RemoteState.REQUESTED:
            raise ValidationError(_("这个远程运维申请已经处理过了。"))
        session.state = RemoteState.APPROVED if approve else RemoteState.REFUSED
        session.decided_by, session.decided_at = actor, timezone.now()
        session.save(update_fields=["state", "decided_by", "decided_at"])
        audit_record(
            action="duty.remote_decide",
            actor=actor,
            context=context,
            obj=session,
            detail={"approved": approve},
        )
    return session


def remote_start(
    *,
    actor: User | None,
    session: RemoteSession,
    at: datetime | None = None,
    context: AuditContext | None = None,
) -> RemoteSession:
    """The engineer starts an approved session; on a ticket, the service desk hears of it."""
    at = at or timezone.now()
    if actor is None or actor.pk != session.engineer_id:
        raise PermissionDenied(_("只有申请的工程师本人可以开始远程运维。"))
    with transaction.atomic():
        session = (
            RemoteSession.objects.select_for_update(of=("self",)).select_related("ticket").get(pk=session.pk)
        )
        if session.state != RemoteState.APPROVED:
            raise ValidationError(_("远程运维尚未获批准，不能开始。"))
        if at >= session.planned_end:
            raise ValidationError(_("已过计划结束时间，请重新申请。"))
        session.state, session.started_at = RemoteState.ACTIVE, at
        session.save(update_fields=["state", "started_at"])
        if session.ticket is not None:
            ticket_remote_started(
                actor=actor, ticket=session.ticket, at=at, note=session.purpose, context=context
            )
        audit_record(action="duty.remote_start", actor=actor, context=context, obj=session)
    return session


def remote_end(
    *,
    actor: User | None,
    session: RemoteSession,
    at: datetime | None = None,
    context: AuditContext | None = None,
) -> RemoteSession:
    """End an active session: the engineer, or the hospital cutting it off."""
    if not (
        (actor is not None and actor.pk == session.engineer_id)
        or permissions.can_approve_remote(actor, session.contract)
    ):
        raise PermissionDenied(_("只有工程师本人或医院管理员可以结束远程运维。"))
    with transaction.atomic():
        session = RemoteSession.objects.select_for_update().get(pk=session.pk)
        if session.state != RemoteState.ACTIVE:
            raise ValidationError(_("远程运维不在进行中。"))
        session.state, session.ended_at = RemoteState.ENDED, at or timezone.now()
        session.save(update_fields=["state", "ended_at"])
        audit_record(action="duty.remote_end", actor=actor, context=context, obj=session)
    return session


def with_overdue(
    queryset: QuerySet[RemoteSession], *, now: datetime | None = None
) -> QuerySet[RemoteSession]:
    """``queryset`` with ``overdue``: still open (active) after its planned end."""
    now = now or timezone.now()
    return queryset.annotate(
        overdue=Case(
            When(Q(state=RemoteState.ACTIVE, planned_end__lt=now), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )
