"""Reads of the training app: the 用户培训记录 of a period, and a person's records."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Avg, Count, QuerySet

from weibao.contracts.models import Contract

from .models import Trainee, TrainingSession


def _instant(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def training_records(contract: Contract, start: date, end: date) -> QuerySet[TrainingSession]:
    """The contract's sessions that began in [start, end) (local dates), with their trainees,
    the number signed in and the average rating: the 用户培训记录 of a period's deliverables."""
    rows: QuerySet[TrainingSession] = (
        TrainingSession.objects.filter(
            contract=contract, starts_at__gte=_instant(start), starts_at__lt=_instant(end)
        )
        .annotate(trainee_count=Count("trainees"), rating_avg=Avg("trainees__rating"))
        .prefetch_related("trainees")
        .order_by("starts_at", "pk")
    )
    return rows


def records_of(user: Any) -> QuerySet[Trainee]:
    """Every training a person attended (培训记录 per person)."""
    return Trainee.objects.filter(user=user).select_related("session").order_by("-signed_at", "-pk")
