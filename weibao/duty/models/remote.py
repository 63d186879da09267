"""The remote access register (远程运维登记): every vendor remote session into a hospital system."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.core.tenancy import TenantModel

from ..choices import RemoteState


class RemoteSession(TenantModel):
    """One remote session of a vendor engineer into a hospital system through its bastion host:
    requested with a purpose and a planned window, approved (or refused) by the hospital, started
    and ended. A session still open after its planned end is overdue. Started on a ticket, it is
    the event that meets a "remote service within N minutes" promise (``servicedesk.remote``)."""

    tenant_hospital_field = "hospital"
    tenant_contract_field = "contract"

    hospital = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.CASCADE, related_name="remote_sessions"
    )
    system = models.ForeignKey(
        "contracts.MaintainedSystem", on_delete=models.PROTECT, related_name="+", verbose_name=_("系统")
    )
    ticket = models.ForeignKey(
        "servicedesk.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("关联工单"),
    )
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("工程师")
    )
    purpose = models.CharField(_("目的"), max_length=500)
    planned_start = models.DateTimeField(_("计划开始"))
    planned_end = models.DateTimeField(_("计划结束"))
    state = models.CharField(
        _("状态"), max_length=16, choices=RemoteState.choices, default=RemoteState.REQUESTED
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("远程运维登记")
        verbose_name_plural = _("远程运维登记")
        ordering = ["-planned_start", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end__gt=F("planned_start")), name="remote_window_order"
            )
        ]
        indexes = [models.Index(fields=["system", "planned_start"], name="remote_system_time")]

    def __str__(self) -> str:
        return f"{self.engineer_id} → {self.system_id} {self.planned_start:%Y-%m-%d %H:%M}"
