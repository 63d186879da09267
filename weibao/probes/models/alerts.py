"""Alerts, and the hospital's monitoring that sends them (Zabbix, Prometheus Alertmanager)."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.accounts.models import hash_token
from weibao.core.tenancy import TenantModel


class AlertSource(models.TextChoices):
    """Where an alert comes from."""

    PROBE = "probe", _("探针")
    ZABBIX = "zabbix", _("Zabbix")
    ALERTMANAGER = "alertmanager", _("Alertmanager")


class Alert(TenantModel):
    """A problem a machine reports about a maintained system, open until it reports recovery.

    While an alert of a (source, key) is open at a hospital it holds the one fault ticket it
    opened; the same alert raised again adds nothing new (a partial unique constraint makes two
    concurrent raises meet on one row). An alert whose host or labels map to no system is kept
    with ``system`` empty, so the hospital admin sees it and can add the mapping."""

    hospital = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="alerts", verbose_name=_("医院")
    )
    system = models.ForeignKey(
        "contracts.MaintainedSystem",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("系统"),
    )
    module = models.ForeignKey(
        "contracts.Module", on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("模块")
    )
    source = models.CharField(_("来源"), max_length=16, choices=AlertSource.choices)
    key = models.CharField(_("告警标识"), max_length=200)
    message = models.TextField(_("告警内容"), blank=True)
    severity = models.CharField(_("告警级别"), max_length=32, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    ticket = models.ForeignKey(
        "servicedesk.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("工单"),
    )
    raised_at = models.DateTimeField(_("告警时间"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("最近告警"), default=timezone.now)
    last_note_at = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(_("恢复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("告警")
        verbose_name_plural = _("告警")
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["hospital", "source", "key"],
                condition=Q(cleared_at__isnull=True),
                name="alert_one_open_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.key}"


class MonitoringToken(TenantModel):
    """The secret a hospital's Zabbix or Alertmanager sends with its alerts. Only its SHA-256 is
    stored; the token is shown once when the hospital admin creates it."""

    PREFIX = "wbm_"

    hospital = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.CASCADE,
        related_name="monitoring_tokens",
        verbose_name=_("医院"),
    )
    name = models.CharField(_("名称"), max_length=64)
    key_hash = models.CharField(max_length=64, unique=True)
    key_hint = models.CharField(_("尾号"), max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("监控令牌")
        verbose_name_plural = _("监控令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} (…{self.key_hint})"

    @classmethod
    def generate(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    #: Stored as API tokens are: only the SHA-256 (one hashing for every token kind).
    hash = staticmethod(hash_token)


class MappingSource(models.TextChoices):
    ZABBIX = "zabbix", _("Zabbix")
    ALERTMANAGER = "alertmanager", _("Alertmanager")


class MonitoringMapping(TenantModel):
    """Which maintained system (and module) an alert is about: a Zabbix host name, or the value
    of an Alertmanager label (``label`` names it, e.g. ``instance`` or ``job``)."""

    hospital = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.CASCADE,
        related_name="monitoring_mappings",
        verbose_name=_("医院"),
    )
    source = models.CharField(_("来源"), max_length=16, choices=MappingSource.choices)
    label = models.CharField(_("标签"), max_length=64, blank=True)
    value = models.CharField(_("主机名或标签值"), max_length=200)
    system = models.ForeignKey(
        "contracts.MaintainedSystem", on_delete=models.CASCADE, related_name="+", verbose_name=_("系统")
    )
    module = models.ForeignKey(
        "contracts.Module", on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("模块")
    )

    class Meta:
        verbose_name = _("监控映射")
        verbose_name_plural = _("监控映射")
        ordering = ["source", "label", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["hospital", "source", "label", "value"], name="monitoring_mapping_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.label or 'host'}={self.value} → {self.system_id}"
