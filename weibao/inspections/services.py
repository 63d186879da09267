"""Writes of the inspections app: the plan of a contract's inspections, its reminders, and the
probe results that fill an inspection's items (自动巡检). Doing an inspection (start, fill, sign)
is in :mod:`.doing`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts import permissions
from weibao.accounts.choices import Role
from weibao.accounts.models import User
from weibao.audit.services import audit_record
from weibao.calendars.selectors import statutory_data
from weibao.contracts.models import Contract
from weibao.notifications.services import notify

from . import cadence
from .choices import InspectionMode, InspectionState
from .models import Inspection


@dataclass(frozen=True)
class PlannedInspection:
    """One dated inspection of a plan, before it is stored."""

    obligation: str
    name: str
    sequence: int
    due: date
    mode: str


def _day_of_month(obligation: dict[str, Any]) -> int | None:
    """Day N of "每月N日前" when the report is due ``{day_of_following_month: N}``."""
    due = ((obligation.get("report") or {}).get("due")) or {}
    if isinstance(due, dict) and due.get("rule") == "day_of_following_month":
        return int(due["n"])
    return None


def plan_for(contract: Contract) -> list[PlannedInspection]:
    """The dated inspections the contract's obligations require over its whole period."""
    is_workday = cadence.statutory_workday(statutory_data()[0])
    out: list[PlannedInspection] = []
    for obligation in (contract.obligations or {}).get("inspections") or []:
        spec = obligation.get("cadence") or {}
        mode = obligation.get("mode") or InspectionMode.ONSITE
        dues = cadence.due_dates(
            str(spec.get("kind")),
            spec.get("n"),
            contract.start,
            contract.end,
            is_workday=is_workday,
            day_of_month=_day_of_month(obligation),
        )
        out += [
            PlannedInspection(
                str(obligation["code"]), str(obligation.get("name") or obligation["code"]), i, due, mode
            )
            for i, due in enumerate(dues, start=1)
        ]
    return out


def inspections_plan(contract: Contract) -> list[Inspection]:
    """Create or bring up to date the contract's dated inspections for its whole period.

    Called (through ``contracts.listeners``) when a contract is created and when its dates change,
    inside that change's transaction. Done inspections are kept as they are; planned ones are moved
    to their new due date, or removed when the new period no longer has them. Returns the plan."""
    wanted = {(p.obligation, p.sequence): p for p in plan_for(contract)}
    with transaction.atomic():
        existing = {(i.obligation, i.sequence): i for i in Inspection.objects.filter(contract=contract)}
        stale = [
            i.pk for key, i in existing.items() if i.state == InspectionState.PLANNED and key not in wanted
        ]
        Inspection.objects.filter(pk__in=stale).delete()
        changed: list[Inspection] = []
        for key, p in wanted.items():
            row = existing.get(key)
            if row is None or row.state != InspectionState.PLANNED:
                continue
            if (row.due, row.name, row.mode, row.hospital_id) != (
                p.due,
                p.name,
                p.mode,
                contract.hospital_id,
            ):
                row.due, row.name, row.mode, row.hospital_id = p.due, p.name, p.mode, contract.hospital_id
                changed.append(row)
        Inspection.objects.bulk_update(changed, ["due", "name", "mode", "hospital"])
        Inspection.objects.bulk_create(
            Inspection(
                hospital_id=contract.hospital_id,
                contract=contract,
                obligation=p.obligation,
                name=p.name,
                sequence=p.sequence,
                due=p.due,
                mode=p.mode,
            )
            for key, p in wanted.items()
            if key not in existing
        )
        if stale or changed or len(wanted) > len(existing):
            audit_record(
                action="inspection.plan",
                actor=None,
                obj=contract,
                detail={"planned": len(wanted), "moved": len(changed), "removed": len(stale)},
            )
    return list(Inspection.objects.filter(contract=contract))


#: A reminder goes out this many workdays before the due date, and again on the due date.
REMIND_AHEAD_WORKDAYS = 5
#: A due-date reminder the daily job missed (the worker was down) still goes out this many days late.
DUE_REMINDER_GRACE_DAYS = 2
EVENT = "inspection.due"


def _recipients(contract: Contract) -> list[User]:
    """The vendor's people and the hospital's admins who work the contract."""
    people = User.objects.filter(
        memberships__organization_id__in=[contract.vendor_id, contract.hospital_id],
        memberships__role__in=[Role.VENDOR_MANAGER, Role.VENDOR_ENGINEER, Role.HOSPITAL_ADMIN],
        memberships__is_active=True,
        is_active=True,
    ).distinct()
    return [u for u in people if permissions.can_work_contract(u, contract)]


def inspections_remind(*, today: date | None = None) -> int:
    """Send the reminders due today: 5 workdays before an inspection's due date, and on it.
    Each reminder goes once (the day it went is stored on the inspection). Returns how many
    inspections were reminded."""
    today = today or timezone.localdate()
    is_workday = cadence.statutory_workday(statutory_data()[0])
    horizon = today + timedelta(days=40)  # 5 workdays are never more than this across holidays
    rows = (
        Inspection.objects.exclude(state=InspectionState.DONE)
        .filter(
            due__gte=today - timedelta(days=DUE_REMINDER_GRACE_DAYS),
            due__lte=horizon,
        )
        .select_related("contract")
    )
    sent = 0
    with transaction.atomic():
        for row in rows.select_for_update(of=("self",)):
            ahead = cadence.workdays_before(row.due, REMIND_AHEAD_WORKDAYS, is_workday)
            if row.due <= today and row.reminded_due_on is None:
                kind, field = _("今天到期"), "reminded_due_on"
            elif ahead <= today < row.due and row.reminded_ahead_on is None:
                kind, field = _("即将到期"), "reminded_ahead_on"
            else:
                continue
            notify(
                event=EVENT,
                recipients=_recipients(row.contract),
                title=_("巡检%(kind)s：%(code)s %(name)s（%(due)s）")
                % {"kind": kind, "code": row.contract.code, "name": row.name, "due": row.due.isoformat()},
                body=_("第 %(n)s 次%(name)s，截止 %(due)s，请按时完成并提交巡检报告。")
                % {"n": row.sequence, "name": row.name, "due": row.due.isoformat()},
                url=reverse("inspections:contract_plan", args=[row.contract_id]),
                contract=row.contract,
            )
            setattr(row, field, today)
            row.save(update_fields=[field])
            sent += 1
    return sent
