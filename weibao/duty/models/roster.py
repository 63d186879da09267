"""Duty rosters: who of the vendor's team answers for a contract at any instant."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.core.tenancy import TenantModel

from ..choices import WEEKDAYS, DutyRole, ShiftSource, SwapState


class HolidayDutyPlan(TenantModel):
    """节假日保障方案: the duty plan of one statutory holiday for one contract — its dates (from the
    statutory calendar), the systems watched, the contacts and escalation chain, the emergency plan
    to follow, and (as :class:`DutyShift` rows pointing here) a duty group for every day."""

    tenant_hospital_field = "hospital"
    tenant_contract_field = "contract"

    hospital = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("医院")
    )
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.CASCADE, related_name="holiday_plans", verbose_name=_("合同")
    )
    holiday = models.CharField(_("节日"), max_length=64)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    systems = models.JSONField(_("保障的系统"), default=list, blank=True)
    contacts = models.JSONField(_("联系人与升级链"), default=list, blank=True)
    emergency_plan_link = models.CharField(_("应急预案"), max_length=500, blank=True)
    notes = models.TextField(_("保障措施"), blank=True)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("节假日保障方案")
        verbose_name_plural = _("节假日保障方案")
        ordering = ["start", "contract_id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "start"], name="duty_plan_unique_holiday"),
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="duty_plan_end_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.holiday} {self.start}~{self.end}"


class DutyPattern(TenantModel):
    """One line of a contract's weekly duty pattern: on this weekday, from ``start_time`` to
    ``end_time`` (past midnight when it is not after the start), this engineer stands this role.
    :func:`weibao.duty.services.shifts_generate` turns the pattern into dated shifts."""

    tenant_hospital_field = "hospital"
    tenant_contract_field = "contract"

    hospital = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey("contracts.Contract", on_delete=models.CASCADE, related_name="duty_patterns")
    weekday = models.PositiveSmallIntegerField(_("星期"), choices=WEEKDAYS)
    start_time = models.TimeField(_("开始"))
    end_time = models.TimeField(_("结束"))
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("工程师")
    )
    role = models.CharField(_("角色"), max_length=16, choices=DutyRole.choices, default=DutyRole.PRIMARY)

    class Meta:
        verbose_name = _("每周排班")
        verbose_name_plural = _("每周排班")
        ordering = ["contract_id", "weekday", "start_time", "-role"]


class DutyShift(TenantModel):
    """A dated shift: from ``start`` to ``end`` this engineer answers for the contract, as primary or
    backup, on this phone. Who is on duty at an instant is the shifts covering it
    (:func:`weibao.duty.selectors.on_duty`)."""

    tenant_hospital_field = "hospital"
    tenant_contract_field = "contract"

    hospital = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("医院")
    )
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.CASCADE, related_name="duty_shifts", verbose_name=_("合同")
    )
    plan = models.ForeignKey(
        HolidayDutyPlan, on_delete=models.CASCADE, null=True, blank=True, related_name="shifts"
    )
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="duty_shifts",
        verbose_name=_("工程师"),
    )
    role = models.CharField(_("角色"), max_length=16, choices=DutyRole.choices, default=DutyRole.PRIMARY)
    start = models.DateTimeField(_("开始"))
    end = models.DateTimeField(_("结束"))
    phone = models.CharField(_("值班电话"), max_length=32, blank=True)
    source = models.CharField(
        _("来源"), max_length=16, choices=ShiftSource.choices, default=ShiftSource.MANUAL
    )

    class Meta:
        verbose_name = _("值班")
        verbose_name_plural = _("值班")
        ordering = ["start", "-role", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="duty_shift_end_after_start"),
        ]
        indexes = [models.Index(fields=["contract", "start", "end"], name="duty_shift_contract_time")]

    def __str__(self) -> str:
        return f"{self.engineer} {self.get_role_display()} {self.start:%Y-%m-%d %H:%M}"


class DutySwap(TenantModel):
    """A request to hand a shift to another engineer of the vendor; the shift changes hands only
    when a vendor manager or the hospital's admin approves."""

    tenant_hospital_field = "hospital"
    tenant_contract_field = "contract"

    hospital = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey("contracts.Contract", on_delete=models.CASCADE, related_name="+")
    shift = models.ForeignKey(DutyShift, on_delete=models.CASCADE, related_name="swaps")
    from_engineer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    to_engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("接班工程师")
    )
    reason = models.CharField(_("原因"), max_length=500)
    state = models.CharField(_("状态"), max_length=16, choices=SwapState.choices, default=SwapState.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("换班申请")
        verbose_name_plural = _("换班申请")
        ordering = ["-requested_at"]


class CalendarFeed(models.Model):
    """The secret of an engineer's ICS feed of their shifts: calendar apps cannot log in, so the
    URL carries it. Renewing it replaces the token (the old URL stops working)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="duty_feed")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("值班日历订阅")
        verbose_name_plural = _("值班日历订阅")

    def __str__(self) -> str:
        return f"{self.user_id}"
