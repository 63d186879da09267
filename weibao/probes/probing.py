"""Writes of the probes themselves: add, change, switch on or off, delete, run now.

Each asks :func:`weibao.accounts.permissions.can_manage_probes` first (the hospital's admins, the
vendor's people on the contract covering the system), validates every field with a message a
person can act on, is atomic and writes the audit row. Running is :mod:`.runtime`'s.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts import permissions
from weibao.accounts.models import User
from weibao.audit.context import AuditContext
from weibao.audit.services import audit_record
from weibao.contracts.models import Endpoint, Module

from . import runtime
from .choices import ProbeKind
from .models import Probe
from .runners import ConfigError
from .targets import EndpointView, build_target

#: What a probe's fields may be.
MIN_INTERVAL, MAX_INTERVAL = 30, 86_400
MAX_TIMEOUT = 60
EDITABLE = (
    "name",
    "kind",
    "module",
    "interval_seconds",
    "timeout_seconds",
    "warn",
    "crit",
    "options",
    "enabled",
    "failures_to_alert",
)


def can_manage(actor: Any, endpoint: Endpoint) -> bool:
    system = endpoint.system
    return permissions.can_manage_probes(actor, system.hospital_id, system.contract)


def _require(actor: Any, endpoint: Endpoint) -> None:
    if not can_manage(actor, endpoint):
        raise PermissionDenied(_("只有医院信息科管理员和该系统维保厂商的人员可以管理探针。"))


def _validate(endpoint: Endpoint, values: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    if not str(values.get("name") or "").strip():
        errors["name"] = _("请填写名称。")
    if values.get("kind") not in ProbeKind.values:
        errors["kind"] = _("未知的探针类型。")
    interval, timeout = values.get("interval_seconds"), values.get("timeout_seconds")
    if not isinstance(interval, int) or not MIN_INTERVAL <= interval <= MAX_INTERVAL:
        errors["interval_seconds"] = _("检测间隔须在 %(a)d 到 %(b)d 秒之间。") % {
            "a": MIN_INTERVAL,
            "b": MAX_INTERVAL,
        }
    if not isinstance(timeout, int) or not 1 <= timeout <= MAX_TIMEOUT:
        errors["timeout_seconds"] = _("超时须在 1 到 %(b)d 秒之间。") % {"b": MAX_TIMEOUT}
    elif isinstance(interval, int) and timeout >= interval:
        errors["timeout_seconds"] = _("超时须短于检测间隔。")
    failures = values.get("failures_to_alert")
    if not isinstance(failures, int) or not 1 <= failures <= 100:
        errors["failures_to_alert"] = _("连续严重次数须在 1 到 100 之间。")
    module = values.get("module")
    if module is not None and module.system_id != endpoint.system_id:
        errors["module"] = _("模块不属于该端点的系统。")
    if not isinstance(values.get("options"), dict):
        errors["options"] = _('选项须是 JSON 对象，例如 {"called_aet": "PACS01"}。')
    if not errors:
        try:
            build_target(
                kind=values["kind"],
                endpoint=EndpointView(
                    host=endpoint.host,
                    port=endpoint.port,
                    ae_title=endpoint.ae_title,
                    url=endpoint.url,
                    dsn=endpoint.dsn,
                ),
                options=values["options"],
                timeout=float(timeout),  # type: ignore[arg-type]
                warn=values.get("warn") or "",
                crit=values.get("crit") or "",
            )
        except ConfigError as exc:
            errors["options"] = _("配置无效：%(e)s") % {"e": exc}
    if errors:
        raise ValidationError(errors)


def probe_create(
    *,
    actor: User,
    endpoint: Endpoint,
    name: str,
    kind: str,
    module: Module | None = None,
    interval_seconds: int = 300,
    timeout_seconds: int = 10,
    warn: str = "",
    crit: str = "",
    options: dict[str, Any] | None = None,
    enabled: bool = True,
    failures_to_alert: int = 3,
    context: AuditContext | None = None,
) -> Probe:
    """A probe of ``endpoint``, due at once when enabled."""
    _require(actor, endpoint)
    values: dict[str, Any] = {
        "name": name.strip(),
        "kind": kind,
        "module": module,
        "interval_seconds": interval_seconds,
        "timeout_seconds": timeout_seconds,
        "warn": warn.strip(),
        "crit": crit.strip(),
        "options": options if options is not None else {},
        "enabled": enabled,
        "failures_to_alert": failures_to_alert,
    }
    _validate(endpoint, values)
    with transaction.atomic():
        probe: Probe = Probe.objects.create(endpoint=endpoint, next_run_at=timezone.now(), **values)
        audit_record(
            action="probe.create",
            actor=actor,
            context=context,
            obj=probe,
            organization=endpoint.system.hospital,
            detail={"name": probe.name, "kind": kind, "endpoint": endpoint.name},
        )
    return probe


def probe_update(*, actor: User, probe: Probe, context: AuditContext | None = None, **changes: Any) -> Probe:
    """Change a probe's fields (any of :data:`EDITABLE`); switching it on makes it due at once."""
    endpoint = probe.endpoint
    _require(actor, endpoint)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(_("不能修改这些字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    values = {f: getattr(probe, f) for f in EDITABLE}
    values.update(changes)
    for key in ("name", "warn", "crit"):
        values[key] = str(values[key] or "").strip()
    _validate(endpoint, values)
    changed = [f for f in EDITABLE if values[f] != getattr(probe, f)]
    if not changed:
        return probe
    with transaction.atomic():
        was_enabled = probe.enabled
        for f in changed:
            setattr(probe, f, values[f])
        fields = [*changed]
        if probe.enabled and not was_enabled:
            probe.next_run_at = timezone.now()
            fields.append("next_run_at")
        if any(f in changed for f in ("kind", "options", "warn", "crit")):
            probe.consecutive_failures = 0  # a new check starts its own count
            fields.append("consecutive_failures")
        probe.save(update_fields=fields)
        audit_record(
            action="probe.update",
            actor=actor,
            context=context,
            obj=probe,
            organization=endpoint.system.hospital,
            detail={"name": probe.name, "changed": changed},
        )
    return probe


def probe_delete(*, actor: User, probe: Probe, context: AuditContext | None = None) -> None:
    """Delete a probe and its results (its alert, if open, stays with its ticket)."""
    endpoint = probe.endpoint
    _require(actor, endpoint)
    with transaction.atomic():
        audit_record(
            action="probe.delete",
            actor=actor,
            context=context,
            obj=probe,
            organization=endpoint.system.hospital,
            detail={"name": probe.name, "kind": probe.kind},
        )
        probe.delete()


def probe_run_now(*, actor: User, probe: Probe) -> runtime.Outcome:
    """立即检测: run the probe once now and record it as a scheduled run would be (its state, its
    alert); its schedule is not moved."""
    _require(actor, probe.endpoint)
    outcomes = runtime.run_probes([probe], max_workers=1)
    runtime.record(outcomes)
    return outcomes[0]
