"""Probes (a check of one endpoint of a maintained system, on an interval), their raw results and
the hourly aggregates the raw results are rolled into."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.accounts import permissions
from weibao.core.tenancy import TenantModel, TenantQuerySet

from ..choices import ProbeKind, ProbeState


class ProbeQuerySet(TenantQuerySet):
    def visible_to(self, user: Any) -> ProbeQuerySet:
        """The one rule, without department users: probes are the IT department's and the
        vendor's working tools, not a ward's."""
        qs: ProbeQuerySet = super().visible_to(user)  # type: ignore[assignment]
        if permissions.department_only(user) is not None:
            return qs.none()
        return qs


class Probe(TenantModel):
    """An automatic check of one endpoint (and optionally one module) of a maintained system: the
    runner kind, how often and how long it may take, Nagios thresholds on the kind's main metric,
    the kind's options (keys as the ``weibao probes check`` options: ``called_aet``, ``query``,
    ``expect``, ``status`` …), and where it stands now. CRIT for ``failures_to_alert`` runs in a
    row opens one fault ticket (an alert of source ``probe`` keyed by the probe's id)."""

    tenant_hospital_field = "endpoint__system__hospital"
    tenant_contract_field = "endpoint__system__contract"

    endpoint = models.ForeignKey(
        "contracts.Endpoint", on_delete=models.CASCADE, related_name="probes", verbose_name=_("探测端点")
    )
    module = models.ForeignKey(
        "contracts.Module",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="probes",
        verbose_name=_("模块"),
    )
    name = models.CharField(_("名称"), max_length=128)
    kind = models.CharField(_("类型"), max_length=16, choices=ProbeKind.choices)
    interval_seconds = models.PositiveIntegerField(_("检测间隔（秒）"), default=300)
    timeout_seconds = models.PositiveSmallIntegerField(_("超时（秒）"), default=10)
    warn = models.CharField(_("警告阈值"), max_length=32, blank=True)
    crit = models.CharField(_("严重阈值"), max_length=32, blank=True)
    options = models.JSONField(_("选项"), default=dict, blank=True)
    enabled = models.BooleanField(_("启用"), default=True)
    failures_to_alert = models.PositiveSmallIntegerField(_("连续严重几次后开单"), default=3)
    state = models.PositiveSmallIntegerField(_("当前状态"), choices=ProbeState.choices, null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("连续严重次数"), default=0)
    alert_open = models.BooleanField(_("告警中"), default=False)
    last_message = models.CharField(_("最近结果"), max_length=300, blank=True)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    last_run_at = models.DateTimeField(_("最近检测"), null=True, blank=True)
    next_run_at = models.DateTimeField(_("下次检测"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ProbeQuerySet.as_manager()

    class Meta:
        verbose_name = _("探针")
        verbose_name_plural = _("探针")
        ordering = ["endpoint_id", "name", "id"]
        indexes = [models.Index(fields=["enabled", "next_run_at"], name="probe_due")]

    def __str__(self) -> str:
        return self.name

    @property
    def alert_key(self) -> str:
        """The key of this probe's alert (source ``probe``)."""
        return f"probe:{self.pk}"


class ProbeResult(TenantModel):
    """One run of a probe, kept raw for ``WEIBAO_PROBE_RAW_DAYS`` (30): the state (Nagios number),
    the duration, a short message and the metrics as ``{label: value}``."""

    tenant_hospital_field = "probe__endpoint__system__hospital"
    tenant_contract_field = "probe__endpoint__system__contract"

    probe = models.ForeignKey(Probe, on_delete=models.CASCADE, related_name="results", db_index=False)
    at = models.DateTimeField()
    state = models.PositiveSmallIntegerField(choices=ProbeState.choices)
    duration_ms = models.PositiveIntegerField()
    message = models.CharField(max_length=200, blank=True)
    metrics = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("探测结果")
        verbose_name_plural = _("探测结果")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["probe", "at"], name="probe_result_at"),
            models.Index(fields=["at"], name="probe_result_age"),
        ]


class ProbeHourly(TenantModel):
    """One hour of a probe's results, kept ``WEIBAO_PROBE_HOURLY_DAYS`` (two years): how many runs,
    how many OK, the worst state, the duration's min/avg/max and each metric's average."""

    tenant_hospital_field = "probe__endpoint__system__hospital"
    tenant_contract_field = "probe__endpoint__system__contract"

    probe = models.ForeignKey(Probe, on_delete=models.CASCADE, related_name="hourly", db_index=False)
    hour = models.DateTimeField()
    count = models.PositiveIntegerField()
    ok_count = models.PositiveIntegerField()
    worst_state = models.PositiveSmallIntegerField(choices=ProbeState.choices)
    duration_min_ms = models.PositiveIntegerField()
    duration_avg_ms = models.PositiveIntegerField()
    duration_max_ms = models.PositiveIntegerField()
    metrics = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("探测小时汇总")
        verbose_name_plural = _("探测小时汇总")
        ordering = ["-hour"]
        constraints = [models.UniqueConstraint(fields=["probe", "hour"], name="probe_hourly_unique")]
        indexes = [models.Index(fields=["hour"], name="probe_hourly_age")]
