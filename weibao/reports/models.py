"""What has happened to a contract's due deliverables: produced (the files are in the documents
archive) and signed (a person records who signed it on paper, and when); and the 服务报告 written
after each service and signed by the user."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.accounts import permissions
from weibao.core.tenancy import TenantModel, TenantQuerySet

from .choices import DeliverableState, Satisfaction, ServiceMode, ServiceReportSource, ServiceReportState


class Deliverable(TenantModel):
    """One deliverable of one contract for one period (``code`` from the contract's template,
    ``period`` a label such as ``2026Q3``), once somebody produced or signed it. A due deliverable
    nobody has touched has no row: the calendar computes it from the contract."""

    tenant_hospital_field = "hospital"
    tenant_contract_field = "contract"

    hospital = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("医院")
    )
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.CASCADE, related_name="deliverables", verbose_name=_("合同")
    )
    code = models.CharField(_("交付物"), max_length=48)
    name = models.CharField(_("名称"), max_length=200)
    period = models.CharField(_("期间"), max_length=16)
    state = models.CharField(
        _("状态"), max_length=16, choices=DeliverableState.choices, default=DeliverableState.PRODUCED
    )
    produced_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    produced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_on = models.DateField(_("签署日期"), null=True, blank=True)
    signed_by_name = models.CharField(_("签署人"), max_length=100, blank=True)
    signed_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_recorded_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("交付物")
        verbose_name_plural = _("交付物")
        constraints = [
            models.UniqueConstraint(fields=["contract", "code", "period"], name="deliverable_once_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.period}"


class ServiceReportQuerySet(TenantQuerySet):
    def visible_to(self, user: Any) -> TenantQuerySet:
        """The tickets' rule: the one visibility rule, narrowed for department users to their
        departments' reports and those of the tickets they reported."""
        qs = super().visible_to(user)
        departments = permissions.department_only(user)
        if departments is not None:
            qs = qs.filter(Q(department_id__in=sorted(departments)) | Q(ticket__reporter_id=user.pk))
        return qs


class ServiceReport(TenantModel):
    """服务报告 (售后服务报告, seed 004: 每次服务完成后……应得到用户签字认可): what one service was, written
    by the vendor's engineer from a ticket or an inspection (prefilled from it), editable while a
    draft, then signed by the user (the department or the hospital's IT: name, date, satisfaction,
    comments, an optional drawn signature) and frozen from then on."""

    tenant_hospital_field = "hospital"
    tenant_contract_field = "contract"

    hospital = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("医院")
    )
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.CASCADE, related_name="service_reports", verbose_name=_("合同")
    )
    # A ticket or inspection with a report is not deleted under it (RESTRICT).
    source = models.CharField(_("来源"), max_length=16, choices=ServiceReportSource.choices)
    ticket = models.ForeignKey(
        "servicedesk.Ticket",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="service_reports",
        verbose_name=_("工单"),
    )
    inspection = models.ForeignKey(
        "inspections.Inspection",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="service_reports",
        verbose_name=_("巡检"),
    )
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("科室"),
    )
    department_name = models.CharField(_("服务科室"), max_length=100, blank=True)
    systems = models.CharField(_("系统/模块"), max_length=300, blank=True)
    mode = models.CharField(
        _("服务方式"), max_length=16, choices=ServiceMode.choices, default=ServiceMode.ONSITE
    )
    fault = models.TextField(_("故障/服务内容"), blank=True)
    handling = models.TextField(_("处理过程"), blank=True)
    result = models.TextField(_("处理结果"), blank=True)
    reported_at = models.DateTimeField(_("报修时间"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("到场时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    engineer_name = models.CharField(_("服务工程师"), max_length=64, blank=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=ServiceReportState.choices, default=ServiceReportState.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("填写时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    signer_name = models.CharField(_("用户签字"), max_length=64, blank=True)
    signed_on = models.DateField(_("签字日期"), null=True, blank=True)
    satisfaction = models.CharField(_("满意度"), max_length=16, choices=Satisfaction.choices, blank=True)
    comments = models.TextField(_("用户意见"), blank=True)
    signature = models.BinaryField(_("手写签名（PNG）"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(_("签字时间"), null=True, blank=True)

    objects = ServiceReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("服务报告")
        verbose_name_plural = _("服务报告")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["contract", "signed_at"], name="service_report_signed")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ticket__isnull=False) | Q(inspection__isnull=False),
                name="service_report_has_a_source",
            )
        ]

    def __str__(self) -> str:
        return f"服务报告 #{self.pk}"

    @property
    def number(self) -> str:
        """What the report is called on paper: FW, the year it was written, its id."""
        return f"FW{timezone.localtime(self.created_at):%Y}-{self.pk:05d}" if self.pk else ""

    @property
    def is_signed(self) -> bool:
        return self.state == ServiceReportState.SIGNED
