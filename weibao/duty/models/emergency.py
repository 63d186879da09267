"""Emergency plans (应急预案) with their drills, and incident reports (应急报告) of major failures."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.core.tenancy import TenantModel

from ..choices import IncidentState


class EmergencyPlan(TenantModel):
    """One version of a contract's emergency plan for a system (or the whole contract): what to do,
    who is responsible, the escalation chain. A revision is a new row with the next ``version``
    and the same ``code``; the old one is kept, so a drill or a holiday plan names the version it
    followed."""

    tenant_hospital_field = "hospital"
    tenant_contract_field = "contract"

    hospital = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.CASCADE, related_name="emergency_plans"
    )
    system = models.ForeignKey(
        "contracts.MaintainedSystem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    code = models.CharField(_("编号"), max_length=48)
    version = models.PositiveIntegerField(_("版本"), default=1)
    title = models.CharField(_("名称"), max_length=200)
    content = models.TextField(_("预案内容"))
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("负责人")
    )
    escalation = models.JSONField(_("升级链"), default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("应急预案")
        verbose_name_plural = _("应急预案")
        ordering = ["contract_id", "code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "code", "version"], name="emergency_plan_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version} {self.title}"


class Drill(TenantModel):
    """An emergency drill (应急演练) of a plan version: when, the scenario, who took part, findings."""

    tenant_hospital_field = "hospital"
    tenant_contract_field = "contract"

    hospital = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey("contracts.Contract", on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(EmergencyPlan, on_delete=models.PROTECT, related_name="drills")
    date = models.DateField(_("演练日期"))
    scenario = models.TextField(_("演练场景"))
    participants = models.TextField(_("参加人员"))
    findings = models.TextField(_("发现的问题与改进"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("应急演练")
        verbose_name_plural = _("应急演练")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.date} {self.plan_id}"


class IncidentReport(TenantModel):
    """应急报告 of a major failure: the linked tickets (whose timestamps make the timeline), the
    impact, the root cause, any data lost, the corrective actions, and the hospital's sign-off
    (after which it no longer changes)."""

    tenant_hospital_field = "hospital"
    tenant_contract_field = "contract"

    hospital = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey("contracts.Contract", on_delete=models.CASCADE, related_name="incidents")
    title = models.CharField(_("事件名称"), max_length=200)
    tickets = models.ManyToManyField("servicedesk.Ticket", related_name="+", verbose_name=_("关联工单"))
    plan = models.ForeignKey(
        EmergencyPlan,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("启用的预案"),
    )
    impact_systems = models.TextField(_("影响的系统"), blank=True)
    impact_departments = models.TextField(_("影响的科室"), blank=True)
    patients_affected = models.TextField(_("受影响的患者"), blank=True)
    root_cause = models.TextField(_("根本原因"), blank=True)
    data_loss = models.TextField(_("数据损失"), blank=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=IncidentState.choices, default=IncidentState.DRAFT
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(_("签字时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("应急报告")
        verbose_name_plural = _("应急报告")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class CorrectiveAction(models.Model):
    """One corrective action of an incident report, with its owner and due date."""

    report = models.ForeignKey(IncidentReport, on_delete=models.CASCADE, related_name="actions")
    action = models.CharField(_("整改措施"), max_length=500)
    owner = models.CharField(_("责任人"), max_length=64)
    due = models.DateField(_("完成日期"))
    done = models.BooleanField(_("已完成"), default=False)

    class Meta:
        verbose_name = _("整改措施")
        verbose_name_plural = _("整改措施")
        ordering = ["due", "pk"]

    def __str__(self) -> str:
        return self.action
