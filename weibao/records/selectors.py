"""Reads of the backup records: each policy's standing, and what is overdue for a system."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from weibao.contracts.models import Contract, MaintainedSystem

from . import rules
from .choices import RestoreResult
from .models import BackupPolicy, MeetingMinutes, TuningRecord


@dataclass(frozen=True)
class PolicyStatus:
    policy: BackupPolicy
    newest_backup: datetime | None
    last_restore_passed: date | None
    restore_due: date
    backup_overdue: bool
    restore_overdue: bool


def policy_statuses(policies: Iterable[BackupPolicy], *, today: date | None = None) -> list[PolicyStatus]:
    """Each policy with its newest good backup, its last passed restore test and what is overdue."""
    today = today or timezone.localdate()
    zone = ZoneInfo(settings.TIME_ZONE)
    now = timezone.now() if today == timezone.localdate() else datetime.combine(today, time.max, tzinfo=zone)
    rows = (
        BackupPolicy.objects.filter(pk__in=[p.pk for p in policies])
        .select_related("system", "system__hospital", "system__contract")
        .annotate(
            newest=Max("checks__newest_backup_at", filter=Q(checks__ok=True)),
            newest_checked=Max("checks__checked_at", filter=Q(checks__ok=True)),
            last_passed=Max("restore_tests__tested_on", filter=Q(restore_tests__result=RestoreResult.PASSED)),
        )
        .order_by("system_id", "name", "pk")
    )
    out = []
    for p in rows:
        newest = p.newest or p.newest_checked
        since = timezone.localtime(p.created_at).date()
        out.append(
            PolicyStatus(
                policy=p,
                newest_backup=newest,
                last_restore_passed=p.last_passed,
                restore_due=rules.restore_test_due(
                    last_passed=p.last_passed, interval_days=p.restore_interval_days, since=since
                ),
                backup_overdue=rules.backup_overdue(
                    newest=newest, frequency_days=p.frequency_days, since=p.created_at, now=now
                ),
                restore_overdue=rules.restore_test_overdue(
                    last_passed=p.last_passed, interval_days=p.restore_interval_days, since=since, today=today
                ),
            )
        )
    return out


def overdue_restore_tests(system: MaintainedSystem, *, today: date | None = None) -> list[PolicyStatus]:
    """The system's active policies whose restore test is overdue (for the next inspection's
    checklist)."""
    policies = BackupPolicy.objects.filter(system=system, active=True)
    return [s for s in policy_statuses(policies, today=today) if s.restore_overdue]


def meeting_minutes(contract: Contract, start: date, end: date) -> QuerySet[MeetingMinutes]:
    """The contract's 需求沟通会议纪要 held in [start, end), with their action items."""
    rows: QuerySet[MeetingMinutes] = (
        MeetingMinutes.objects.filter(contract=contract, held_on__gte=start, held_on__lt=end)
        .prefetch_related("actions")
        .order_by("held_on", "pk")
    )
    return rows


def tuning_records(contract: Contract, start: date, end: date) -> QuerySet[TuningRecord]:
    """The contract's 系统调优记录 done in [start, end)."""
    rows: QuerySet[TuningRecord] = TuningRecord.objects.filter(
        contract=contract, done_on__gte=start, done_on__lt=end
    ).order_by("done_on", "pk")
    return rows
