"""What an inspection records: one row per checklist item, and the two sides' signatures."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from weibao.core.tenancy import TenantModel

from ..choices import ItemKind, ItemResult, ItemSource, SignSide


def _threshold(label: str) -> models.DecimalField:
    return models.DecimalField(label, max_digits=14, decimal_places=3, null=True, blank=True)


class InspectionItem(TenantModel):
    """One item of an inspection's checklist, copied from the checklist when the inspection starts
    (so a later change of the checklist files never changes a done inspection). ``position``
    orders the items by area, then as the checklist lists them: a report reads them in that order
    and groups consecutive rows by ``area_label``. ``system`` is the maintained system the item
    checks (None for the machine room and the contract's own lines) and ``subject`` how the report
    names it (a system, or the systems of one kind sharing a checklist); ``probe`` the key of the
    probe results that can fill it (``checklist.PROBES``)."""

    tenant_hospital_field = "inspection__hospital"
    tenant_contract_field = "inspection__contract"

    inspection = models.ForeignKey("inspections.Inspection", on_delete=models.CASCADE, related_name="items")
    system = models.ForeignKey(
        "contracts.MaintainedSystem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subject = models.CharField(_("检查对象"), max_length=200, blank=True)
    position = models.PositiveIntegerField(_("序号"))
    area = models.CharField(_("区域"), max_length=32)
    area_label = models.CharField(_("区域名称"), max_length=64)
    code = models.CharField(_("代码"), max_length=120)
    label = models.CharField(_("检查项"), max_length=200)
    kind = models.CharField(_("类型"), max_length=16, choices=ItemKind.choices)
    unit = models.CharField(_("单位"), max_length=16, blank=True)
    warn_above = _threshold(_("高于此值告警"))
    crit_above = _threshold(_("高于此值严重"))
    warn_below = _threshold(_("低于此值告警"))
    crit_below = _threshold(_("低于此值严重"))
    probe = models.CharField(_("自动巡检来源"), max_length=48, blank=True)
    result = models.CharField(_("结果"), max_length=16, choices=ItemResult.choices, blank=True)
    value = models.DecimalField(_("数值"), max_digits=14, decimal_places=3, null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)
    photo = models.FileField(_("照片"), upload_to="inspections/%Y/%m/", blank=True)
    ticket = models.ForeignKey(
        "servicedesk.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(_("填写方式"), max_length=16, choices=ItemSource.choices, blank=True)
    filled_at = models.DateTimeField(_("填写时间"), null=True, blank=True)
    filled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("巡检项")
        verbose_name_plural = _("巡检项")
        ordering = ["inspection_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "code"], name="inspection_item_unique_code"),
            models.UniqueConstraint(
                fields=["inspection", "position"], name="inspection_item_unique_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id} {self.label}"

    @property
    def thresholds(self) -> dict[str, object]:
        return {
            "warn_above": self.warn_above,
            "crit_above": self.crit_above,
            "warn_below": self.warn_below,
            "crit_below": self.crit_below,
        }


class InspectionSignature(TenantModel):
    """One side's sign-off of an inspection: the signer's name as written, the date, who signed,
    and the drawn signature as PNG bytes (optional). Both sides signed, the inspection is done."""

    tenant_hospital_field = "inspection__hospital"
    tenant_contract_field = "inspection__contract"

    inspection = models.ForeignKey(
        "inspections.Inspection", on_delete=models.CASCADE, related_name="signatures"
    )
    side = models.CharField(_("签字方"), max_length=16, choices=SignSide.choices)
    name = models.CharField(_("签字人"), max_length=64)
    signed_on = models.DateField(_("签字日期"))
    signed_at = models.DateTimeField(_("签字时间"))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    image = models.BinaryField(_("手写签名（PNG）"), null=True, blank=True)

    class Meta:
        verbose_name = _("巡检签字")
        verbose_name_plural = _("巡检签字")
        ordering = ["inspection_id", "side"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "side"], name="inspection_signature_once"),
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id} {self.side} {self.name}"
