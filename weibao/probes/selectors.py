"""Reads of the probes: what a user sees (the visibility rule), and a probe's history."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from .charts import Chart, Sample, history_chart
from .choices import ProbeState
from .models import Probe, ProbeHourly, ProbeResult

RANGES = ("24h", "30d")


def probes_visible(user: Any, *, contract_id: int | None = None, state: str = "") -> QuerySet[Probe]:
    """The probes ``user`` sees, newest state first within a system; narrowed to one contract
    (the contract covering the probe's system) or one state (``ok``/``warn``/``crit``/``unknown``
    or ``never`` for not run yet)."""
    qs = Probe.objects.visible_to(user).select_related(
        "endpoint", "endpoint__system", "endpoint__system__contract", "endpoint__system__hospital", "module"
    )
    if contract_id is not None:
        qs = qs.filter(endpoint__system__contract_id=contract_id)
    states = {"ok": 0, "warn": 1, "crit": 2, "unknown": 3}
    if state in states:
        qs = qs.filter(state=states[state])
    elif state == "never":
        qs = qs.filter(state__isnull=True)
    return qs


@dataclass(frozen=True)
class History:
    range: str
    chart: Chart
    rows: list[dict[str, Any]]  # newest first, for the table behind the chart


def probe_history(probe: Probe, *, range: str = "24h", now: datetime | None = None) -> History:
    """The raw runs of the last 24 hours, or the hourly aggregates of the last 30 days."""
    now = now or timezone.now()
    local_now = timezone.localtime(now)
    if range == "30d":
        start = (local_now - timedelta(days=30)).replace(hour=0, minute=0, second=0, microsecond=0)
        hours = list(
            ProbeHourly.objects.filter(probe=probe, hour__gte=start, hour__lte=now)
            .order_by("hour")
            .values("hour", "worst_state", "duration_avg_ms", "duration_max_ms", "count", "ok_count")
        )
        samples = [
            Sample(timezone.localtime(h["hour"]), h["worst_state"], h["duration_avg_ms"]) for h in hours
        ]
        chart = history_chart(
            samples, start=start, end=local_now, tick_every=timedelta(days=5), tick_format="%m-%d"
        )
        rows = [
            {
                "at": h["hour"],
                "state": h["worst_state"],
                "duration_ms": h["duration_avg_ms"],
                "message": f"{h['ok_count']}/{h['count']} OK, max {h['duration_max_ms']} ms",
            }
            for h in reversed(hours)
        ]
        return History("30d", chart, rows)
    start = local_now - timedelta(hours=24)
    raw = list(
        ProbeResult.objects.filter(probe=probe, at__gte=start, at__lte=now)
        .order_by("at")
        .values("at", "state", "duration_ms", "message")
    )
    samples = [Sample(timezone.localtime(r["at"]), r["state"], r["duration_ms"]) for r in raw]
    chart = history_chart(
        samples, start=start, end=local_now, tick_every=timedelta(hours=4), tick_format="%H:%M"
    )
    return History("24h", chart, list(reversed(raw)))


def latest_readings(system_ids: Iterable[int]) -> list[dict[str, Any]]:
    """The newest result of each enabled probe of these maintained systems, as the plain readings
    an inspection fills its checklist from (自动巡检): one reading without a metric (the probe's
    verdict) and one per metric it measured::

        {"probe_kind": "tls", "metric": "days_left", "value": 42.0, "state": "OK",
         "message": "...", "at": datetime, "system_id": 7}
    """
    readings: list[dict[str, Any]] = []
    probes = Probe.objects.filter(endpoint__system_id__in=list(system_ids), enabled=True).select_related(
        "endpoint"
    )
    for probe in probes:
        result = probe.results.order_by("-at").first()
        if result is None:
            continue
        base = {
            "probe_kind": probe.kind,
            "state": ProbeState(result.state).name,
            "message": result.message,
            "at": result.at,
            "system_id": probe.endpoint.system_id,
        }
        readings.append({**base, "metric": None, "value": None})
        for metric, value in (result.metrics or {}).items():
            if isinstance(value, int | float):
                readings.append({**base, "metric": metric, "value": float(value)})
    return readings
