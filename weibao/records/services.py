"""Writes of the backup records: policies, checks (by hand or from the freshness probe), restore
tests, and the daily notice of what is overdue. Each write is atomic and audited."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts import permissions
from weibao.accounts.choices import Role
from weibao.accounts.models import User
from weibao.audit.context import AuditContext
from weibao.audit.services import audit_record
from weibao.contracts.models import MaintainedSystem
from weibao.notifications.services import notify
from weibao.probes.choices import ProbeKind, ProbeState
from weibao.probes.models import Probe

from . import selectors
from .choices import CheckSource, RestoreResult
from .models import BackupCheck, BackupPolicy, RestoreTest

if TYPE_CHECKING:
    from weibao.accounts.permissions import Actor

EVENT = "backup.overdue"
#: An overdue policy is told again after this many days while it stays overdue.
REALERT_DAYS = 7


def _require(actor: Actor, system: MaintainedSystem) -> None:
    if not permissions.can_keep_backup_records(actor, system.hospital_id, system.contract):
        raise PermissionDenied(_("只有医院管理员或负责该系统的厂商人员可以登记备份记录。"))


def _clean_policy(
    *,
    system: MaintainedSystem,
    name: str,
    scope: str,
    location: str,
    frequency_days: int,
    retention_days: int,
    offsite: bool,
    offsite_location: str,
    restore_interval_days: int,
    probe: Probe | None,
) -> None:
    errors: dict[str, str] = {}
    for field, value, message in (
        ("name", name, _("请填写名称。")),
        ("scope", scope, _("请填写备份内容。")),
        ("location", location, _("请填写存放位置。")),
    ):
        if not (value or "").strip():
            errors[field] = message
    if not 1 <= int(frequency_days) <= 366:
        errors["frequency_days"] = _("备份周期须在 1–366 天之间。")
    if not 1 <= int(retention_days) <= 36500:
        errors["retention_days"] = _("保留天数须在 1–36500 之间。")
    if not 1 <= int(restore_interval_days) <= 3660:
        errors["restore_interval_days"] = _("恢复测试周期须在 1–3660 天之间。")
    if offsite and not offsite_location.strip():
        errors["offsite_location"] = _("异地备份请填写异地存放位置。")
    if probe is not None and (probe.kind != ProbeKind.BACKUP or probe.endpoint.system_id != system.pk):
        errors["probe"] = _("须是该系统的备份新鲜度探针。")
    if errors:
        raise ValidationError(errors)


def policy_create(
    *,
    actor: User,
    system: MaintainedSystem,
    name: str,
    scope: str,
    location: str,
    frequency_days: int = 1,
    retention_days: int = 30,
    offsite: bool = False,
    offsite_location: str = "",
    restore_interval_days: int = 90,
    probe: Probe | None = None,
    context: AuditContext | None = None,
) -> BackupPolicy:
    """Record how a maintained system is backed up."""
    _require(actor, system)
    _clean_policy(
        system=system,
        name=name,
        scope=scope,
        location=location,
        frequency_days=frequency_days,
        retention_days=retention_days,
        offsite=offsite,
        offsite_location=offsite_location,
        restore_interval_days=restore_interval_days,
        probe=probe,
    )
    with transaction.atomic():
        policy = BackupPolicy.objects.create(
            hospital_id=system.hospital_id,
            system=system,
            name=name.strip(),
            scope=scope.strip(),
            location=location.strip(),
            frequency_days=int(frequency_days),
            retention_days=int(retention_days),
            offsite=offsite,
            offsite_location=offsite_location.strip(),
            restore_interval_days=int(restore_interval_days),
            probe=probe,
        )
        audit_record(action="records.backup_policy_create", actor=actor, context=context, obj=policy)
    return policy


POLICY_FIELDS = (
    "name",
    "scope",
    "location",
    "frequency_days",
    "retention_days",
    "offsite",
    "offsite_location",
    "restore_interval_days",
    "probe",
    "active",
)


def policy_update(
    *, actor: User, policy: BackupPolicy, context: AuditContext | None = None, **fields: Any
) -> BackupPolicy:
    """Change how the system is backed up (the same rules as a new policy); ``active`` False
    stops its overdue notices."""
    _require(actor, policy.system)
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationError(_("未知字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    values = {name: getattr(policy, name) for name in POLICY_FIELDS} | fields
    active = bool(values.pop("active"))
    _clean_policy(system=policy.system, **values)
    for name, value in values.items():
        setattr(policy, name, value.strip() if isinstance(value, str) else value)
    policy.active = active
    if not policy.offsite:
        policy.offsite_location = ""
    with transaction.atomic():
        policy.save()
        audit_record(
            action="records.backup_policy_edit",
            actor=actor,
            context=context,
            obj=policy,
            detail={"fields": sorted(fields)},
        )
    return policy


def backup_check_record(
    *,
    actor: User | None,
    policy: BackupPolicy,
    ok: bool,
    newest_backup_at: datetime | None = None,
    note: str = "",
    source: str = CheckSource.MANUAL,
    checked_at: datetime | None = None,
    context: AuditContext | None = None,
) -> BackupCheck:
    """Record that the policy's backup was checked (``actor`` None: the probe did it)."""
    if actor is not None:
        _require(actor, policy.system)
    now = timezone.now()
    if newest_backup_at is not None and newest_backup_at > now + timedelta(minutes=5):
        raise ValidationError({"newest_backup_at": _("最新备份时间不能晚于现在。")})
    with transaction.atomic():
        check = BackupCheck.objects.create(
            hospital_id=policy.hospital_id,
            policy=policy,
            checked_at=checked_at or now,
            ok=ok,
            newest_backup_at=newest_backup_at,
            source=source,
            note=note.strip()[:2000],
            checked_by=actor,
        )
        audit_record(action="records.backup_check", actor=actor, context=context, obj=check)
    return check


def restore_test_record(
    *,
    actor: User,
    policy: BackupPolicy,
    tested_on: date,
    restored: str,
    target: str,
    result: str,
    minutes: int,
    verified_by: str,
    note: str = "",
    context: AuditContext | None = None,
) -> RestoreTest:
    """Record a restore test of the policy's backup."""
    _require(actor, policy.system)
    errors: dict[str, str] = {}
    if result not in RestoreResult.values:
        errors["result"] = _("结果须为恢复成功、部分恢复或恢复失败。")
    if tested_on > timezone.localdate():
        errors["tested_on"] = _("测试日期不能晚于今天。")
    if not 0 <= int(minutes) <= 100000:
        errors["minutes"] = _("耗时须为 0–100000 分钟。")
    for field, value, message in (
        ("restored", restored, _("请填写恢复了什么。")),
        ("target", target, _("请填写恢复到哪里。")),
        ("verified_by", verified_by, _("请填写核验人。")),
    ):
        if not (value or "").strip():
            errors[field] = message
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        test = RestoreTest.objects.create(
            hospital_id=policy.hospital_id,
            policy=policy,
            tested_on=tested_on,
            restored=restored.strip(),
            target=target.strip(),
            result=result,
            minutes=int(minutes),
            verified_by=verified_by.strip(),
            note=note.strip(),
            recorded_by=actor,
        )
        audit_record(action="records.restore_test", actor=actor, context=context, obj=test)
    return test


def checks_from_probes() -> int:
    """Turn each backup-freshness probe's latest run into a backup check of the policies that
    name it (once per run). Returns how many checks were recorded."""
    made = 0
    policies = BackupPolicy.objects.filter(active=True, probe__isnull=False).select_related("probe")
    for policy in policies:
        probe = policy.probe
        if probe is None or probe.last_run_at is None:
            continue
        if policy.checks.filter(source=CheckSource.PROBE, checked_at__gte=probe.last_run_at).exists():
            continue
        backup_check_record(
            actor=None,
            policy=policy,
            ok=probe.state == ProbeState.OK,
            note=probe.last_message,
            source=CheckSource.PROBE,
            checked_at=probe.last_run_at,
        )
        made += 1
    return made


def _recipients(policy: BackupPolicy) -> list[User]:
    contract = policy.system.contract
    orgs = [policy.hospital_id] + ([contract.vendor_id] if contract is not None else [])
    people = User.objects.filter(
        memberships__organization_id__in=orgs,
        memberships__role__in=[Role.VENDOR_MANAGER, Role.VENDOR_ENGINEER, Role.HOSPITAL_ADMIN],
        memberships__is_active=True,
        is_active=True,
    ).distinct()
    return [u for u in people if permissions.can_keep_backup_records(u, policy.hospital_id, contract)]


def backup_alerts_send(*, today: date | None = None) -> int:
    """The daily job: tell the system's people of every policy whose backup or restore test is
    overdue (again after ``REALERT_DAYS`` while it stays so). Returns the notices sent."""
    today = today or timezone.localdate()
    checks_from_probes()
    sent = 0
    for status in selectors.policy_statuses(BackupPolicy.objects.filter(active=True), today=today):
        policy = status.policy
        for overdue, field, what in (
            (status.backup_overdue, "backup_alerted_on", _("备份逾期")),
            (status.restore_overdue, "restore_alerted_on", _("恢复测试逾期")),
        ):
            last = getattr(policy, field)
            if not overdue or (last is not None and (today - last).days < REALERT_DAYS):
                continue
            with transaction.atomic():
                notify(
                    event=EVENT,
                    recipients=_recipients(policy),
                    title=_("%(what)s：%(system)s %(name)s")
                    % {"what": what, "system": policy.system.name, "name": policy.name},
                    body=_("恢复测试应于 %(due)s 前完成；最近一次成功备份：%(newest)s。")
                    % {
                        "due": status.restore_due.isoformat(),
                        "newest": status.newest_backup.isoformat() if status.newest_backup else _("无记录"),
                    },
                    url=reverse("records:policy_detail", args=[policy.pk]),
                    hospital=policy.system.hospital,
                    contract=policy.system.contract,
                )
                setattr(policy, field, today)
                policy.save(update_fields=[field])
            sent += 1
    return sent
