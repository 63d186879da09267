"""The vendor's service team of a contract, its resident engineers' attendance, leave and evaluations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from weibao.core.tenancy import TenantModel

from .choices import Channel, LeaveState, MemberState


class _ContractRecord(TenantModel):
    tenant_hospital_field = "hospital"
    tenant_contract_field = "contract"

    hospital = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("医院")
    )
    contract = models.ForeignKey("contracts.Contract", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        abstract = True


class TeamMember(_ContractRecord):
    """One person of the team a contract promises (服务团队): role, experience, whether resident
    on site. The vendor proposes a member (or a replacement of one, ``replaces``); the member
    joins, or leaves, only when the hospital consents."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="team_memberships",
        verbose_name=_("账号"),
    )
    name = models.CharField(_("姓名"), max_length=64)
    role = models.CharField(_("岗位"), max_length=64)
    resident = models.BooleanField(_("驻场"), default=False)
    experience_years = models.PositiveSmallIntegerField(_("相关经验（年）"), default=0)
    qualifications = models.TextField(_("资质与经历"), blank=True)
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=MemberState.choices, default=MemberState.PROPOSED
    )
    replaces = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("替换")
    )
    reason = models.TextField(_("变更原因"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("医院答复时间"), null=True, blank=True)
    decision_note = models.TextField(_("医院意见"), blank=True)

    class Meta:
        verbose_name = _("服务团队成员")
        verbose_name_plural = _("服务团队成员")
        ordering = ["contract_id", "-resident", "name", "pk"]

    def __str__(self) -> str:
        return f"{self.name}（{self.role}）"


class Certificate(_ContractRecord):
    """A qualification certificate of a team member, with its expiry date (none: does not expire)."""

    member = models.ForeignKey(TeamMember, on_delete=models.CASCADE, related_name="certificates")
    name = models.CharField(_("证书名称"), max_length=128)
    number = models.CharField(_("证书编号"), max_length=64, blank=True)
    expires = models.DateField(_("有效期至"), null=True, blank=True)

    class Meta:
        verbose_name = _("资质证书")
        verbose_name_plural = _("资质证书")
        ordering = ["expires", "pk"]


class Attendance(_ContractRecord):
    """One stay on site of a resident engineer: checked in, and (later) checked out."""

    member = models.ForeignKey(TeamMember, on_delete=models.CASCADE, related_name="attendances")
    day = models.DateField(_("日期"))
    check_in = models.DateTimeField(_("签到时间"))
    check_out = models.DateTimeField(_("签退时间"), null=True, blank=True)
    channel_in = models.CharField(_("签到方式"), max_length=8, choices=Channel.choices)
    channel_out = models.CharField(_("签退方式"), max_length=8, choices=Channel.choices, blank=True)

    class Meta:
        verbose_name = _("驻场考勤")
        verbose_name_plural = _("驻场考勤")
        ordering = ["-check_in"]
        indexes = [models.Index(fields=["contract", "day"], name="residency_attendance_day")]


class LeaveRequest(_ContractRecord):
    """A resident engineer's request for leave (请假), approved or refused by the hospital."""

    member = models.ForeignKey(TeamMember, on_delete=models.CASCADE, related_name="leaves")
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    reason = models.TextField(_("事由"))
    state = models.CharField(_("状态"), max_length=16, choices=LeaveState.choices, default=LeaveState.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)

    class Meta:
        verbose_name = _("请假申请")
        verbose_name_plural = _("请假申请")
        ordering = ["-start", "-pk"]


class Evaluation(_ContractRecord):
    """The hospital's periodic evaluation (考评) of one resident engineer."""

    member = models.ForeignKey(TeamMember, on_delete=models.CASCADE, related_name="evaluations")
    period = models.CharField(_("考评期"), max_length=32)
    score = models.PositiveSmallIntegerField(_("得分"))
    passed = models.BooleanField(_("合格"))
    comment = models.TextField(_("评语"), blank=True)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("驻场考评")
        verbose_name_plural = _("驻场考评")
        ordering = ["-created_at", "-pk"]
