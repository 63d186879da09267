"""Writes of the probes app: the hospital's monitoring tokens and mappings, and the alerts its
Zabbix or Alertmanager sends (which open tickets through :mod:`.alerts`).

Each write asks :mod:`weibao.accounts.permissions` first, is atomic and writes the audit row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts import permissions
from weibao.accounts.models import Organization, User
from weibao.audit.context import AuditContext
from weibao.audit.services import audit_record
from weibao.contracts.models import MaintainedSystem, Module

from . import alerts
from .models import MonitoringMapping, MonitoringToken
from .models.alerts import MappingSource
from .signals import Signal


def _require_manage(actor: User | None, hospital_id: int) -> None:
    if not permissions.can_manage_monitoring(actor, hospital_id):
        raise PermissionDenied(_("只有医院信息科管理员可以管理监控接入。"))


def monitoring_token_create(
    *, actor: User, hospital: Organization, name: str, context: AuditContext | None = None
) -> tuple[MonitoringToken, str]:
    """A token for the hospital's monitoring; returns it and the secret, shown this once."""
    _require_manage(actor, hospital.pk)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("请填写名称（例如：Zabbix 服务器）。")})
    raw = MonitoringToken.generate()
    with transaction.atomic():
        token: MonitoringToken = MonitoringToken.objects.create(
            hospital=hospital, name=name[:64], key_hash=MonitoringToken.hash(raw), key_hint=raw[-4:]
        )
        audit_record(
            action="monitoring.token_create",
            actor=actor,
            context=context,
            obj=token,
            organization=hospital,
            detail={"name": token.name},
        )
    return token, raw


def monitoring_token_revoke(
    *, actor: User, token: MonitoringToken, context: AuditContext | None = None
) -> MonitoringToken:
    """Revoke a token: alerts sent with it are refused from now on."""
    _require_manage(actor, token.hospital_id)
    if token.revoked_at is None:
        with transaction.atomic():
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(
                action="monitoring.token_revoke",
                actor=actor,
                context=context,
                obj=token,
                organization=token.hospital,
                detail={"name": token.name},
            )
    return token


def monitoring_token_check(raw: str) -> MonitoringToken | None:
    """The active token whose secret is ``raw``, marked used; None for a wrong or revoked one."""
    if not raw.startswith(MonitoringToken.PREFIX):
        return None
    token: MonitoringToken | None = (
        MonitoringToken.objects.select_related("hospital")
        .filter(key_hash=MonitoringToken.hash(raw), revoked_at__isnull=True)
        .first()
    )
    if token is not None:
        MonitoringToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token


def monitoring_mapping_create(
    *,
    actor: User,
    hospital: Organization,
    source: str,
    value: str,
    system: MaintainedSystem,
    label: str = "",
    module: Module | None = None,
    context: AuditContext | None = None,
) -> MonitoringMapping:
    """Say which system (and module) a Zabbix host, or an Alertmanager label value, is."""
    _require_manage(actor, hospital.pk)
    errors: dict[str, str] = {}
    if source not in MappingSource.values:
        errors["source"] = _("未知的监控来源。")
    if not value.strip():
        errors["value"] = _("请填写主机名或标签值。")
    if source == MappingSource.ALERTMANAGER and not label.strip():
        errors["label"] = _("Alertmanager 映射须填写标签名（例如 instance 或 job）。")
    if system.hospital_id != hospital.pk:
        errors["system"] = _("所选系统不属于该医院。")
    if module is not None and module.system_id != system.pk:
        errors["module"] = _("模块不属于所选系统。")
    if errors:
        raise ValidationError(errors)
    label = "" if source == MappingSource.ZABBIX else label.strip()
    try:
        with transaction.atomic():
            mapping: MonitoringMapping = MonitoringMapping.objects.create(
                hospital=hospital,
                source=source,
                label=label,
                value=value.strip(),
                system=system,
                module=module,
            )
            audit_record(
                action="monitoring.mapping_create",
                actor=actor,
                context=context,
                obj=mapping,
                organization=hospital,
                detail={"source": source, "label": label, "value": mapping.value, "system": system.code},
            )
    except IntegrityError as exc:
        raise ValidationError({"value": _("该主机名或标签值已有映射。")}) from exc
    return mapping


def monitoring_mapping_delete(
    *, actor: User, mapping: MonitoringMapping, context: AuditContext | None = None
) -> None:
    _require_manage(actor, mapping.hospital_id)
    with transaction.atomic():
        audit_record(
            action="monitoring.mapping_delete",
            actor=actor,
            context=context,
            obj=mapping,
            organization=mapping.hospital,
            detail={"source": mapping.source, "label": mapping.label, "value": mapping.value},
        )
        mapping.delete()


def _mapping_for(hospital_id: int, source: str, signal: Signal) -> MonitoringMapping | None:
    candidates = MonitoringMapping.objects.filter(hospital_id=hospital_id, source=source).select_related(
        "system", "module"
    )
    if source == MappingSource.ZABBIX:
        found: MonitoringMapping | None = candidates.filter(value=signal.host).first()
        return found
    rows: list[MonitoringMapping] = list(candidates.filter(value__in=list(signal.labels.values())))
    return next((m for m in rows if signal.labels.get(m.label) == m.value), None)


@dataclass(frozen=True)
class Received:
    """What became of one signal: ``raised`` (a ticket, new or the open one), ``recovered``,
    ``kept`` (no system or no contract: kept with ``note``, no ticket) or ``ignored``."""

    key: str
    outcome: str
    ticket: str | None = None
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "outcome": self.outcome, "ticket": self.ticket, "note": self.note}


def signals_receive(*, token: MonitoringToken, source: str, signals: list[Signal]) -> list[Received]:
    """Apply what the hospital's monitoring reports: a firing alert on a mapped system opens (or
    keeps) its one ticket, a recovery notes it. Only the token's hospital's systems are reached:
    the mapping is looked up among that hospital's alone."""
    hospital_id = token.hospital_id
    done: list[Received] = []
    for signal in signals:
        mapping = _mapping_for(hospital_id, source, signal)
        if mapping is None:
            note = _("未映射到维保系统：请医院管理员在“监控接入”中添加映射。")
            if signal.firing:
                alerts.alert_keep(
                    hospital_id=hospital_id,
                    source=source,
                    key=signal.key,
                    message=signal.message,
                    note=note,
                    at=signal.at,
                    severity=signal.severity,
                )
                done.append(Received(signal.key, "kept", note=note))
            else:
                alerts.alert_clear_kept(hospital_id=hospital_id, source=source, key=signal.key, at=signal.at)
                done.append(Received(signal.key, "recovered", note=note))
            continue
        if not signal.firing:
            ticket = alerts.alert_clear(
                system=mapping.system, source=source, key=signal.key, message=signal.message, at=signal.at
            )
            done.append(Received(signal.key, "recovered", ticket.number if ticket is not None else None))
            continue
        try:
            ticket = alerts.alert_raise(
                system=mapping.system,
                module=mapping.module,
                source=source,
                key=signal.key,
                message=signal.message,
                severity=signal.severity,
            )  # the ticket opens when the vendor is told (now), not when the monitor first saw it
        except ValidationError as exc:
            note = " ".join(exc.messages)
            alerts.alert_keep(
                hospital_id=hospital_id,
                system=mapping.system,
                source=source,
                key=signal.key,
                message=signal.message,
                note=note,
                at=signal.at,
                severity=signal.severity,
            )
            done.append(Received(signal.key, "kept", note=note))
            continue
        done.append(Received(signal.key, "raised", ticket.number))
    return done
