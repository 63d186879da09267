"""Records the seeds demand beside tickets: data changes (数据恢复/数据调整) and change requests."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.core import crypto
from weibao.core.tenancy import TenantModel

from ..choices import ChangeRequestState, DataChangeKind, DataChangeState


class DataChange(TenantModel):
    """What patient data was restored or corrected: which system and tables, which patients
    (identifiers encrypted at rest, masked in lists), before and after, why, who asked, who
    approved (the hospital admin, before execution), who executed and who verified. A verified
    record is final: a correction is a new record that names the one it corrects."""

    tenant_contract_field = "contract"

    hospital = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="data_changes"
    )
    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="data_changes")
    ticket = models.ForeignKey(
        "servicedesk.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="data_changes"
    )
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=DataChangeKind.choices)
    state = models.CharField(
        _("状态"), max_length=16, choices=DataChangeState.choices, default=DataChangeState.REQUESTED
    )
    system = models.ForeignKey(
        "contracts.MaintainedSystem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tables = models.CharField(_("涉及表"), max_length=500, blank=True)
    patient_ids_encrypted = models.TextField(blank=True, editable=False)
    patient_ids_masked = models.CharField(_("患者标识（掩码）"), max_length=500, blank=True, editable=False)
    before = models.TextField(_("修改前"), blank=True)
    after = models.TextField(_("修改后 / 恢复说明"), blank=True)
    reason = models.TextField(_("原因"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approval_note = models.TextField(blank=True)
    executed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    executed_at = models.DateTimeField(null=True, blank=True)
    execution_note = models.TextField(blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("数据变更记录")
        verbose_name_plural = _("数据变更记录")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def set_patient_ids(self, ids: list[str]) -> None:
        ids = [i.strip() for i in ids if i and i.strip()]
        self.patient_ids_encrypted = crypto.encrypt("\n".join(ids))
        self.patient_ids_masked = ", ".join(crypto.mask(i) for i in ids)[:500]

    def get_patient_ids(self) -> list[str]:
        plain = crypto.decrypt(self.patient_ids_encrypted)
        return plain.split("\n") if plain else []


class ChangeRequest(TenantModel):
    """需求变更: assessed, approved, built, tested, deployed; in scope or separately paid. Feeds the
    需求变更改造清单 deliverable."""

    tenant_contract_field = "contract"

    hospital = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="change_requests"
    )
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="change_requests"
    )
    ticket = models.ForeignKey(
        "servicedesk.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="change_requests"
    )
    system = models.ForeignKey(
        "contracts.MaintainedSystem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("需求"), max_length=200)
    requirement = models.TextField(_("需求描述"))
    in_scope = models.BooleanField(_("合同范围内"), default=True)
    assessment = models.TextField(_("评估意见"), blank=True)
    estimate_days = models.DecimalField(
        _("估算工作量（人天）"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    quote = models.DecimalField(_("报价（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=ChangeRequestState.choices, default=ChangeRequestState.SUBMITTED
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    deployed_on = models.DateField(_("上线日期"), null=True, blank=True)
    history = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("需求变更")
        verbose_name_plural = _("需求变更")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return self.title
