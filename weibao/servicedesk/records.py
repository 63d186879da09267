"""Services for data changes (数据恢复/数据调整) and change requests (需求变更)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.audit.context import AuditContext
from weibao.audit.services import save_audited
from weibao.contracts.models import Contract, MaintainedSystem

from . import permissions
from .choices import ChangeRequestState as CR
from .choices import DataChangeKind
from .choices import DataChangeState as DC
from .models import ChangeRequest, DataChange, Ticket

if TYPE_CHECKING:
    from weibao.accounts.models import User


def _may_work(actor: User, contract: Contract) -> bool:
    return permissions.can_work_contract(actor, contract)


def data_change_request(
    *,
    actor: User,
    contract: Contract,
    kind: str,
    reason: str,
    patient_ids: list[str] | None = None,
    tables: str = "",
    before: str = "",
    after: str = "",
    system: MaintainedSystem | None = None,
    ticket: Ticket | None = None,
    corrects: DataChange | None = None,
    context: AuditContext | None = None,
) -> DataChange:
    """Record a requested restore or correction of patient data, awaiting the hospital's approval."""
    if not _may_work(actor, contract):
        raise PermissionDenied(_("您不能为该合同登记数据变更。"))
    errors = {}
    if kind not in DataChangeKind.values:
        errors["kind"] = _("类型须为数据恢复或数据调整。")
    if not reason.strip():
        errors["reason"] = _("请填写原因。")
    if kind == DataChangeKind.ADJUSTMENT and not (before.strip() and after.strip()):
        errors["after"] = _("数据调整须填写修改前和修改后的值。")
    if kind == DataChangeKind.RECOVERY and not after.strip():
        errors["after"] = _("数据恢复须填写恢复说明。")
    if ticket is not None and ticket.contract_id != contract.pk:
        errors["ticket"] = _("工单不属于该合同。")
    if system is not None and system.hospital_id != contract.hospital_id:
        errors["system"] = _("系统不属于该医院。")
    if corrects is not None and (corrects.contract_id != contract.pk or corrects.state != DC.VERIFIED):
        errors["corrects"] = _("只能更正同一合同下已核验的记录。")
    if errors:
        raise ValidationError(errors)
    record = DataChange(
        hospital=contract.hospital,
        contract=contract,
        kind=kind,
        reason=reason.strip(),
        tables=tables,
        before=before,
        after=after,
        system=system,
        ticket=ticket,
        corrects=corrects,
        requested_by=actor,
    )
    record.set_patient_ids(patient_ids or [])
    save_audited(
        record,
        action="data_change.request",
        actor=actor,
        context=context,
        organization=contract.hospital,
        detail={"kind": kind},
    )
    return record


def _step(record: DataChange, actor: User, action: str, context: AuditContext | None) -> DataChange:
    save_audited(
        record,
        action=f"data_change.{action}",
        actor=actor,
        context=context,
        organization=record.hospital,
        detail={"state": record.state},
    )
    return record


def data_change_approve(
    *,
    actor: User,
    record: DataChange,
    approve: bool = True,
    note: str = "",
    context: AuditContext | None = None,
) -> DataChange:
    """The hospital admin approves (or rejects) before anything is executed."""
    if not permissions.is_hospital_admin(actor, record.hospital_id):
        raise PermissionDenied(_("只有医院管理员可以审批数据变更。"))
    if record.state != DC.REQUESTED:
        raise ValidationError({"state": _("只有待审批的记录可以审批。")})
    record.state = DC.APPROVED if approve else DC.REJECTED
    record.approved_by, record.approved_at, record.approval_note = actor, timezone.now(), note
    return _step(record, actor, "approve" if approve else "reject", context)


def data_change_execute(
    *,
    actor: User,
    record: DataChange,
    note: str = "",
    executed_at: datetime | None = None,
    context: AuditContext | None = None,
) -> DataChange:
    """Record that the change was carried out: only after approval."""
    if not _may_work(actor, record.contract):
        raise PermissionDenied(_("您不能执行此数据变更。"))
    if record.state != DC.APPROVED:
        raise ValidationError({"state": _("数据变更须经医院管理员审批后才能登记执行。")})
    record.state = DC.EXECUTED
    record.executed_by, record.executed_at, record.execution_note = actor, executed_at or timezone.now(), note
    return _step(record, actor, "execute", context)


def data_change_verify(*, actor: User, record: DataChange, context: AuditContext | None = None) -> DataChange:
    """The hospital verifies the result; the record is then final."""
    if not permissions.is_hospital_admin(actor, record.hospital_id):
        raise PermissionDenied(_("只有医院管理员可以核验。"))
    if record.state != DC.EXECUTED:
        raise ValidationError({"state": _("只有已执行的记录可以核验。")})
    record.state, record.verified_by, record.verified_at = DC.VERIFIED, actor, timezone.now()
    return _step(record, actor, "verify", context)


def data_change_edit(
    *, actor: User, record: DataChange, context: AuditContext | None = None, **fields: Any
) -> DataChange:
    """Edit a request before it is executed. A verified (or executed) record cannot change: a
    correction is a new record."""
    if record.state in (DC.EXECUTED, DC.VERIFIED):
        raise ValidationError({"state": _("已执行或已核验的记录不能修改；如需更正请新建一条更正记录。")})
    if not _may_work(actor, record.contract):
        raise PermissionDenied(_("您不能修改此记录。"))
    allowed = {"reason", "tables", "before", "after", "patient_ids"}
    if set(fields) - allowed:
        raise ValidationError(_("不能修改字段：%(f)s") % {"f": ", ".join(sorted(set(fields) - allowed))})
    if "patient_ids" in fields:
        record.set_patient_ids(fields.pop("patient_ids") or [])
    for key, value in fields.items():
        setattr(record, key, value)
    if record.state == DC.APPROVED:  # a changed request needs approving again
        record.state, record.approved_by, record.approved_at = DC.REQUESTED, None, None
    return _step(record, actor, "edit", context)


CR_FLOW = {
    "assess": ({CR.SUBMITTED}, CR.ASSESSED),
    "approve": ({CR.ASSESSED}, CR.APPROVED),
    "reject": ({CR.SUBMITTED, CR.ASSESSED}, CR.REJECTED),
    "develop": ({CR.APPROVED}, CR.DEVELOPMENT),
    "test": ({CR.DEVELOPMENT}, CR.TESTING),
    "deploy": ({CR.TESTING}, CR.DEPLOYED),
}


def change_request_create(
    *,
    actor: User,
    contract: Contract,
    title: str,
    requirement: str,
    in_scope: bool = True,
    system: MaintainedSystem | None = None,
    ticket: Ticket | None = None,
    context: AuditContext | None = None,
) -> ChangeRequest:
    if actor is None or not permissions.can_report(actor, contract):
        raise PermissionDenied(_("您不能为该合同提出需求。"))
    if not title.strip() or not requirement.strip():
        raise ValidationError({"requirement": _("请填写需求和需求描述。")})
    cr = ChangeRequest(
        hospital=contract.hospital,
        contract=contract,
        title=title.strip(),
        requirement=requirement,
        in_scope=in_scope,
        system=system,
        ticket=ticket,
        requested_by=actor,
        history=[{"state": CR.SUBMITTED, "at": timezone.now().isoformat(), "by": actor.username}],
    )
    save_audited(
        cr, action="change_request.create", actor=actor, context=context, organization=contract.hospital
    )
    return cr


def change_request_advance(
    *,
    actor: User,
    cr: ChangeRequest,
    action: str,
    assessment: str = "",
    estimate_days: Decimal | None = None,
    quote: Decimal | None = None,
    in_scope: bool | None = None,
    deployed_on: date | None = None,
    context: AuditContext | None = None,
) -> ChangeRequest:
    """assess (vendor: assessment, estimate, in scope or paid) → approve/reject (hospital) →
    develop → test → deploy (vendor, with the deployment date)."""
    if action not in CR_FLOW:
        raise ValidationError({"action": _("未知的操作。")})
    sources, target = CR_FLOW[action]
    if cr.state not in sources:
        raise ValidationError(
            {"action": _("需求当前为“%(s)s”，不能执行此操作。") % {"s": CR(cr.state).label}}
        )
    hospital_step = action in ("approve", "reject")
    allowed = (
        permissions.is_hospital_admin(actor, cr.hospital_id)
        if hospital_step
        else _may_work(actor, cr.contract)
    )
    if not allowed:
        raise PermissionDenied(_("您不能执行此操作。"))
    if action == "assess":
        if not assessment.strip():
            raise ValidationError({"assessment": _("请填写评估意见。")})
        cr.assessment, cr.estimate_days, cr.quote = assessment, estimate_days, quote
        if in_scope is not None:
            cr.in_scope = in_scope
        if not cr.in_scope and quote is None:
            raise ValidationError({"quote": _("合同范围外（另行付费）的需求须填写报价。")})
    if action == "approve":
        cr.approved_by, cr.approved_at = actor, timezone.now()
    if action == "deploy":
        if deployed_on is None:
            raise ValidationError({"deployed_on": _("请填写上线日期。")})
        cr.deployed_on = deployed_on
    cr.state = target
    cr.history = [*cr.history, {"state": target, "at": timezone.now().isoformat(), "by": actor.username}]
    save_audited(
        cr, action=f"change_request.{action}", actor=actor, context=context, organization=cr.hospital
    )
    return cr
