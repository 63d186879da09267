"""Writes of the residency app: the team and its changes (with the hospital's consent), check-in
and check-out, leave, and the hospital's evaluations. Each is atomic and audited."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts import permissions
from weibao.audit.context import AuditContext
from weibao.audit.services import audit_record, save_audited
from weibao.contracts.models import Contract

from .choices import Channel, LeaveState, MemberState
from .models import Attendance, Certificate, Evaluation, LeaveRequest, TeamMember

if TYPE_CHECKING:
    from weibao.accounts.models import User


def _text(value: str, field: str, message: str, errors: dict[str, str]) -> str:
    value = (value or "").strip()
    if not value:
        errors[field] = message
    return value


def member_propose(
    *,
    actor: User,
    contract: Contract,
    name: str,
    role: str,
    resident: bool = False,
    experience_years: int = 0,
    qualifications: str = "",
    phone: str = "",
    user: User | None = None,
    replaces: TeamMember | None = None,
    reason: str = "",
    context: AuditContext | None = None,
) -> TeamMember:
    """Propose a member of the contract's team, or the replacement of one (``replaces``): the
    member joins when the hospital consents (:func:`member_decide`)."""
    if not permissions.can_propose_team_change(actor, contract):
        raise PermissionDenied(_("只有厂商项目经理或医院管理员可以提出服务团队变更。"))
    errors: dict[str, str] = {}
    name = _text(name, "name", _("请填写姓名。"), errors)
    role = _text(role, "role", _("请填写岗位。"), errors)
    if not 0 <= int(experience_years) <= 60:
        errors["experience_years"] = _("经验年限须在 0–60 之间。")
    if user is not None and not permissions.is_vendor_member(user, contract.vendor_id):
        errors["user"] = _("账号须是该合同厂商的人员。")
    if replaces is not None:
        if replaces.contract_id != contract.pk:
            errors["replaces"] = _("被替换的成员不属于该合同。")
        elif replaces.state != MemberState.ACTIVE:
            errors["replaces"] = _("只能替换在岗的成员。")
        if not reason.strip():
            errors["reason"] = _("更换成员须说明原因。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        member = TeamMember.objects.create(
            hospital_id=contract.hospital_id,
            contract=contract,
            user=user,
            name=name,
            role=role,
            resident=resident,
            experience_years=int(experience_years),
            qualifications=qualifications.strip(),
            phone=phone.strip(),
            replaces=replaces,
            reason=reason.strip(),
        )
        audit_record(
            action="residency.member_propose",
            actor=actor,
            context=context,
            obj=member,
            detail={"replaces": replaces.pk if replaces else None},
        )
    return member


def member_remove_propose(
    *, actor: User, member: TeamMember, reason: str, context: AuditContext | None = None
) -> TeamMember:
    """Ask to take a member off the team; they stay until the hospital consents."""
    if not permissions.can_propose_team_change(actor, member.contract):
        raise PermissionDenied(_("只有厂商项目经理或医院管理员可以提出服务团队变更。"))
    if member.state != MemberState.ACTIVE:
        raise ValidationError({"state": _("只有在岗的成员可以申请撤换。")})
    if not reason.strip():
        raise ValidationError({"reason": _("请说明撤换原因。")})
    member.state, member.reason = MemberState.LEAVING, reason.strip()
    save_audited(
        member,
        action="residency.member_leave",
        update_fields=["state", "reason"],
        actor=actor,
        context=context,
    )
    return member


def member_decide(
    *, actor: User, member: TeamMember, consent: bool, note: str = "", context: AuditContext | None = None
) -> TeamMember:
    """The hospital consents to (or refuses) a proposed member, a replacement or a removal."""
    if not permissions.can_consent_team_change(actor, member.contract):
        raise PermissionDenied(_("服务团队变更须由医院管理员同意。"))
    if member.state not in (MemberState.PROPOSED, MemberState.LEAVING):
        raise ValidationError({"state": _("该成员没有待医院答复的变更。")})
    leaving = member.state == MemberState.LEAVING
    if leaving:
        member.state = MemberState.REMOVED if consent else MemberState.ACTIVE
    else:
        member.state = MemberState.ACTIVE if consent else MemberState.REFUSED
    member.decided_by, member.decided_at, member.decision_note = actor, timezone.now(), note.strip()
    with transaction.atomic():
        save_audited(
            member,
            action="residency.member_decide",
            update_fields=["state", "decided_by", "decided_at", "decision_note"],
            actor=actor,
            context=context,
            detail={"consent": consent, "removal": leaving},
        )
        replaced = member.replaces
        if consent and not leaving and replaced is not None and replaced.state == MemberState.ACTIVE:
            replaced.state, replaced.decided_by, replaced.decided_at = (
                MemberState.REMOVED,
                actor,
                timezone.now(),
            )
            save_audited(
                replaced,
                action="residency.member_decide",
                update_fields=["state", "decided_by", "decided_at"],
                actor=actor,
                context=context,
                detail={"consent": True, "replaced_by": member.pk},
            )
    return member


def certificate_add(
    *,
    actor: User,
    member: TeamMember,
    name: str,
    number: str = "",
    expires: date | None = None,
    context: AuditContext | None = None,
) -> Certificate:
    """Record a member's qualification certificate and its expiry date."""
    if not permissions.can_propose_team_change(actor, member.contract):
        raise PermissionDenied(_("只有厂商项目经理或医院管理员可以登记资质证书。"))
    if not name.strip():
        raise ValidationError({"name": _("请填写证书名称。")})
    with transaction.atomic():
        cert = Certificate.objects.create(
            hospital_id=member.hospital_id,
            contract_id=member.contract_id,
            member=member,
            name=name.strip(),
            number=number.strip(),
            expires=expires,
        )
        audit_record(action="residency.certificate_add", actor=actor, context=context, obj=cert)
    return cert


def _resident_in_post(member: TeamMember) -> None:
    if not member.resident or member.state not in (MemberState.ACTIVE, MemberState.LEAVING):
        raise ValidationError({"member": _("只有在岗的驻场工程师可以签到、签退或请假。")})


def check_in(
    *,
    actor: User,
    member: TeamMember,
    channel: str = Channel.WEB,
    at: datetime | None = None,
    context: AuditContext | None = None,
) -> Attendance:
    """A resident engineer arrives on site."""
    if not permissions.can_check_in(actor, member.contract, member.user_id):
        raise PermissionDenied(_("只能为自己签到。"))
    _resident_in_post(member)
    if channel not in Channel.values:
        raise ValidationError({"channel": _("签到方式无效。")})
    at = at or timezone.now()
    with transaction.atomic():
        if Attendance.objects.select_for_update().filter(member=member, check_out__isnull=True).exists():
            raise ValidationError({"member": _("已签到且尚未签退，请先签退。")})
        row = Attendance.objects.create(
            hospital_id=member.hospital_id,
            contract_id=member.contract_id,
            member=member,
            day=timezone.localdate(at),
            check_in=at,
            channel_in=channel,
        )
        audit_record(action="residency.check_in", actor=actor, context=context, obj=row)
    return row


def check_out(
    *,
    actor: User,
    member: TeamMember,
    channel: str = Channel.WEB,
    at: datetime | None = None,
    context: AuditContext | None = None,
) -> Attendance:
    """A resident engineer leaves the site: closes the open check-in."""
    if not permissions.can_check_in(actor, member.contract, member.user_id):
        raise PermissionDenied(_("只能为自己签退。"))
    if channel not in Channel.values:
        raise ValidationError({"channel": _("签退方式无效。")})
    at = at or timezone.now()
    with transaction.atomic():
        row: Attendance | None = (
            Attendance.objects.select_for_update().filter(member=member, check_out__isnull=True).first()
        )
        if row is None:
            raise ValidationError({"member": _("没有未签退的签到记录。")})
        if at < row.check_in:
            raise ValidationError({"at": _("签退时间不能早于签到时间。")})
        row.check_out, row.channel_out = at, channel
        save_audited(
            row,
            action="residency.check_out",
            update_fields=["check_out", "channel_out"],
            actor=actor,
            context=context,
        )
    return row


def leave_request(
    *,
    actor: User,
    member: TeamMember,
    start: date,
    end: date,
    reason: str,
    context: AuditContext | None = None,
) -> LeaveRequest:
    """A resident engineer asks the hospital for leave (请假)."""
    if not permissions.can_request_leave(actor, member.contract, member.user_id):
        raise PermissionDenied(_("只能为自己（或项目经理为本厂商的工程师）申请请假。"))
    _resident_in_post(member)
    errors: dict[str, str] = {}
    if end < start:
        errors["end"] = _("结束日期不能早于开始日期。")
    elif (end - start).days > 90:
        errors["end"] = _("一次请假不能超过 90 天。")
    reason = _text(reason, "reason", _("请填写请假事由。"), errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row = LeaveRequest.objects.create(
            hospital_id=member.hospital_id,
            contract_id=member.contract_id,
            member=member,
            start=start,
            end=end,
            reason=reason,
            requested_by=actor,
        )
        audit_record(action="residency.leave_request", actor=actor, context=context, obj=row)
    return row


def leave_decide(
    *, actor: User, leave: LeaveRequest, approve: bool, note: str = "", context: AuditContext | None = None
) -> LeaveRequest:
    """The hospital approves or refuses a leave request."""
    if not permissions.can_decide_leave(actor, leave.contract):
        raise PermissionDenied(_("请假须由医院管理员审批。"))
    if leave.state != LeaveState.PENDING:
        raise ValidationError({"state": _("只有待审批的请假可以审批。")})
    leave.state = LeaveState.APPROVED if approve else LeaveState.REFUSED
    leave.decided_by, leave.decided_at, leave.decision_note = actor, timezone.now(), note.strip()
    save_audited(
        leave,
        action="residency.leave_decide",
        update_fields=["state", "decided_by", "decided_at", "decision_note"],
        actor=actor,
        context=context,
        detail={"approve": approve},
    )
    return leave


def evaluation_record(
    *,
    actor: User,
    member: TeamMember,
    period: str,
    score: int,
    comment: str = "",
    pass_mark: int = 60,
    context: AuditContext | None = None,
) -> Evaluation:
    """The hospital's evaluation of a resident engineer for a period (0–100; below the pass mark
    fails, which gives the hospital the right to ask for a replacement)."""
    if not permissions.can_evaluate_residents(actor, member.contract):
        raise PermissionDenied(_("驻场考评由医院管理员进行。"))
    errors: dict[str, str] = {}
    period = _text(period, "period", _("请填写考评期，例如 2026年第4季度。"), errors)
    if not 0 <= int(score) <= 100:
        errors["score"] = _("得分须在 0–100 之间。")
    if not member.resident:
        errors["member"] = _("只有驻场工程师需要考评。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row = Evaluation.objects.create(
            hospital_id=member.hospital_id,
            contract_id=member.contract_id,
            member=member,
            period=period,
            score=int(score),
            passed=int(score) >= pass_mark,
            comment=comment.strip(),
            evaluated_by=actor,
        )
        audit_record(action="residency.evaluate", actor=actor, context=context, obj=row)
    return row
