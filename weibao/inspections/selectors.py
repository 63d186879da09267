"""Reads of the inspections app: the plan with each inspection's status, overdue ones counted."""

from __future__ import annotations

from datetime import date

from django.db.models import Case, CharField, QuerySet, Value, When
from django.utils import timezone

from weibao.contracts.models import Contract

from .choices import InspectionState, InspectionStatus
from .models import Inspection, InspectionItem, InspectionSignature


def status_of(inspection: Inspection, *, today: date | None = None) -> str:
    """One inspection's status as :func:`with_status` computes it in SQL."""
    if inspection.state == InspectionState.DONE:
        return InspectionStatus.DONE.value
    if inspection.due < (today or timezone.localdate()):
        return InspectionStatus.OVERDUE.value
    if inspection.state == InspectionState.STARTED:
        return InspectionStatus.STARTED.value
    return InspectionStatus.PLANNED.value


def with_status(queryset: QuerySet[Inspection], *, today: date | None = None) -> QuerySet[Inspection]:
    """``queryset`` with ``status``: done, overdue (not done and due before ``today``), started or
    planned."""
    today = today or timezone.localdate()
    return queryset.annotate(
        status=Case(
            When(state=InspectionState.DONE, then=Value(InspectionStatus.DONE.value)),
            When(due__lt=today, then=Value(InspectionStatus.OVERDUE.value)),
            When(state=InspectionState.STARTED, then=Value(InspectionStatus.STARTED.value)),
            default=Value(InspectionStatus.PLANNED.value),
            output_field=CharField(),
        )
    )


def inspections_due(
    contract: Contract, start: date, end: date, *, today: date | None = None
) -> QuerySet[Inspection]:
    """The contract's inspections due from ``start`` to ``end`` (inclusive), with their status."""
    rows = Inspection.objects.filter(contract=contract, due__gte=start, due__lte=end)
    return with_status(rows, today=today).order_by("due", "obligation", "sequence")


def inspections_overdue(
    contract: Contract, start: date, end: date, *, today: date | None = None
) -> QuerySet[Inspection]:
    """The contract's inspections due from ``start`` to ``end`` and not done by their due date's
    end (as of ``today``): what an assessment counts as missed."""
    today = today or timezone.localdate()
    rows = inspections_due(contract, start, end, today=today)
    return rows.exclude(state=InspectionState.DONE).filter(due__lt=today)


def inspection_items(inspection: Inspection) -> QuerySet[InspectionItem]:
    """An inspection's items in report order (by area, then as the checklist lists them), with
    their system and ticket."""
    return inspection.items.select_related("system", "ticket").order_by("position")


def inspection_signatures(inspection: Inspection) -> dict[str, InspectionSignature]:
    """The signatures of an inspection by side (``vendor``, ``hospital``)."""
    return {s.side: s for s in inspection.signatures.select_related("signed_by")}
