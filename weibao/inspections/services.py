"""Writes of the inspections app: the plan of a contract's inspections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction

from weibao.audit.services import audit_record
from weibao.calendars.selectors import statutory_data
from weibao.contracts.models import Contract

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
