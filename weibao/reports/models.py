"""What has happened to a contract's due deliverables: produced (the files are in the documents
archive) and signed (a person records who signed it on paper, and when)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.core.tenancy import TenantModel

from .choices import DeliverableState


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
