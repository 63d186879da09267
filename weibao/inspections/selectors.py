"""Reads of the inspections app: the plan with each inspection's status, overdue ones counted."""

from __future__ import annotations

from datetime import date

from django.db.models import Case, CharField, QuerySet, Value, When
from django.utils import timezone

from weibao.contracts.models import Contract

from .choices import InspectionState, InspectionStatus
from .models import Inspection


def status_of(inspection: Inspection, *, today: date | None = None) -> str:
    """One inspection's status as :func:`with_status` computes it in SQL."""
    if inspection.state == InspectionState.DONE:
        return InspectionStatus.DONE.value
    if inspection.due < (today or timezone.localdate()):
        return InspectionStatus.OVERDUE.value
    return InspectionStatus.PLANNED.value


def with_status(queryset: QuerySet[Inspection], *, today: date | None = None) -> QuerySet[Inspection]:
    """``queryset`` with ``status``: done, planned, or overdue (planned and due before ``today``)."""
    today = today or timezone.localdate()
    return queryset.annotate(
        status=Case(
            When(state=InspectionState.DONE, then=Value(InspectionStatus.DONE.value)),
            When(due__lt=today, then=Value(InspectionStatus.OVERDUE.value)),
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
    return rows.filter(state=InspectionState.PLANNED, due__lt=today)
