"""Keeping probe results compact: raw rows rolled into hourly aggregates, both pruned by age.

Raw results are kept ``WEIBAO_PROBE_RAW_DAYS`` (30), hourly aggregates ``WEIBAO_PROBE_HOURLY_DAYS``
(730). :func:`rollup` recomputes the aggregates of whole hours from the raw rows, replacing those
hours' aggregates, so running it again over the same hours changes nothing. An hour's worst state
ranks as Nagios aggregates: CRIT, then UNKNOWN, then WARN, then OK.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import ProbeHourly, ProbeResult
from .runners import State
from .runners.base import worst


def hour_start(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


@dataclass
class _Hour:
    count: int = 0
    ok: int = 0
    worst: State = State.OK
    low: int = 0
    high: int = 0
    total: int = 0
    sums: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, state: int, duration_ms: int, metrics: dict[str, float]) -> None:
        self.low = duration_ms if self.count == 0 else min(self.low, duration_ms)
        self.high = max(self.high, duration_ms)
        self.count += 1
        self.total += duration_ms
        self.ok += state == State.OK
        self.worst = worst(self.worst, State(state))
        for label, value in (metrics or {}).items():
            if isinstance(value, int | float):
                self.sums[label] = self.sums.get(label, 0.0) + float(value)
                self.counts[label] = self.counts.get(label, 0) + 1


def rollup(*, start: datetime, end: datetime) -> int:
    """(Re)compute the hourly aggregates of the whole hours from ``start`` to before ``end``;
    returns how many hour rows were written."""
    start, end = hour_start(start), hour_start(end)
    hours: dict[tuple[int, datetime], _Hour] = {}
    rows = (
        ProbeResult.objects.filter(at__gte=start, at__lt=end)
        .order_by()
        .values_list("probe_id", "at", "state", "duration_ms", "metrics")
    )
    for probe_id, at, state, duration_ms, metrics in rows.iterator(chunk_size=5000):
        hours.setdefault((probe_id, hour_start(at)), _Hour()).add(state, duration_ms, metrics)
    made = [
        ProbeHourly(
            probe_id=probe_id,
            hour=hour,
            count=h.count,
            ok_count=h.ok,
            worst_state=int(h.worst),
            duration_min_ms=h.low,
            duration_avg_ms=round(h.total / h.count),
            duration_max_ms=h.high,
            metrics={k: round(h.sums[k] / h.counts[k], 6) for k in h.sums},
        )
        for (probe_id, hour), h in hours.items()
    ]
    with transaction.atomic():
        ProbeHourly.objects.filter(hour__gte=start, hour__lt=end).delete()
        ProbeHourly.objects.bulk_create(made, batch_size=1000)
    return len(made)


@dataclass(frozen=True)
class Pruned:
    rolled: int
    raw_deleted: int
    hourly_deleted: int


def results_maintain(*, now: datetime | None = None, days: int = 2) -> Pruned:
    """The daily pass: roll the last ``days`` days' whole hours up, then delete raw results and
    aggregates past their retention."""
    now = now or timezone.now()
    rolled = rollup(start=now - timedelta(days=days), end=now)
    raw_cut = now - timedelta(days=settings.WEIBAO_PROBE_RAW_DAYS)
    hourly_cut = now - timedelta(days=settings.WEIBAO_PROBE_HOURLY_DAYS)
    raw_deleted, _ = ProbeResult.objects.filter(at__lt=raw_cut).delete()
    hourly_deleted, _ = ProbeHourly.objects.filter(hour__lt=hourly_cut).delete()
    return Pruned(rolled, raw_deleted, hourly_deleted)
