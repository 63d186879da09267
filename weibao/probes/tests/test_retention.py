"""Raw results roll up into hourly aggregates, and both are pruned by age; the history chart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from weibao.probes.charts import Sample, history_chart
from weibao.probes.models import ProbeHourly, ProbeResult
from weibao.probes.retention import results_maintain, rollup
from weibao.probes.tasks import probes_maintain_results

from .factories import make_probe

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _result(probe, minutes: float, state: int, ms: int, **metrics: float) -> ProbeResult:
    return ProbeResult.objects.create(
        probe=probe,
        at=T0 + timedelta(minutes=minutes),
        state=state,
        duration_ms=ms,
        message="",
        metrics=metrics,
    )


def test_an_hour_of_runs_becomes_one_row_and_a_second_rollup_changes_nothing(covered):
    probe = make_probe(covered(), kind="tcp", port=1)
    _result(probe, 0, 0, 10, time=0.01)
    _result(probe, 20, 3, 30, time=0.03)  # UNKNOWN
    _result(probe, 40, 2, 50)  # CRIT, no metric
    _result(probe, 59.9, 1, 30, time=0.05)
    _result(probe, 61, 0, 7, time=0.007)  # the next hour
    assert rollup(start=T0, end=T0 + timedelta(hours=2)) == 2
    assert rollup(start=T0, end=T0 + timedelta(hours=2)) == 2
    first, second = ProbeHourly.objects.order_by("hour")
    assert ProbeHourly.objects.count() == 2
    assert (first.hour, first.count, first.ok_count, first.worst_state) == (T0, 4, 1, 2)
    assert (first.duration_min_ms, first.duration_avg_ms, first.duration_max_ms) == (10, 30, 50)
    assert first.metrics == {"time": pytest.approx(0.03)}
    assert (second.count, second.worst_state, second.duration_avg_ms) == (1, 0, 7)


def test_the_worst_of_unknown_and_warn_is_unknown(covered):
    probe = make_probe(covered(), kind="tcp", port=1)
    _result(probe, 1, 1, 1)
    _result(probe, 2, 3, 1)
    rollup(start=T0, end=T0 + timedelta(hours=1))
    assert ProbeHourly.objects.get().worst_state == 3


def test_raw_is_kept_30_days_and_hourly_two_years(covered, settings):
    probe = make_probe(covered(), kind="tcp", port=1)
    now = T0
    _result(probe, -31 * 24 * 60, 0, 1)  # past the raw retention
    _result(probe, -29 * 24 * 60, 0, 1)
    _result(probe, -60, 2, 5)  # within the last two days: rolled up
    ProbeHourly.objects.create(
        probe=probe,
        hour=now - timedelta(days=731),
        count=1,
        ok_count=1,
        worst_state=0,
        duration_min_ms=1,
        duration_avg_ms=1,
        duration_max_ms=1,
    )
    ProbeHourly.objects.create(
        probe=probe,
        hour=now - timedelta(days=700),
        count=1,
        ok_count=1,
        worst_state=0,
        duration_min_ms=1,
        duration_avg_ms=1,
        duration_max_ms=1,
    )
    done = results_maintain(now=now)
    assert done.raw_deleted == 1 and done.hourly_deleted == 1 and done.rolled == 1
    assert ProbeResult.objects.count() == 2
    assert ProbeHourly.objects.filter(hour=now - timedelta(hours=1), worst_state=2).exists()
    assert ProbeHourly.objects.count() == 2
    settings.WEIBAO_PROBE_RAW_DAYS = 1
    probes_maintain_results.call_local()
    assert ProbeResult.objects.count() == 0  # the job reads the setting (and "now" is real time)


def test_the_chart_places_each_sample_in_time_and_colours_its_state():
    start = T0
    samples = [Sample(T0 + timedelta(hours=h), s, ms) for h, s, ms in [(0, 0, 10), (12, 2, 40), (24, 1, 20)]]
    chart = history_chart(
        samples, start=start, end=T0 + timedelta(hours=24), tick_every=timedelta(hours=6), tick_format="%H"
    )
    xs = [float(p.split(",")[0]) for p in chart.line.split()]
    ys = [float(p.split(",")[1]) for p in chart.line.split()]
    assert (
        xs[0] == chart.left
        and xs[-1] == chart.right_x
        and xs[1] == pytest.approx((chart.left + chart.right_x) / 2)
    )
    assert chart.max_ms == 50 and ys[1] < ys[2] < ys[0]  # higher is slower
    assert [c.css for c in chart.cells] == ["ok", "crit", "warn"]
    assert [t.label for t in chart.ticks] == ["10", "16", "22", "04", "10"]
    empty = history_chart(
        [], start=start, end=T0 + timedelta(hours=1), tick_every=timedelta(hours=1), tick_format="%H"
    )
    assert empty.line == "" and empty.cells == [] and empty.samples == 0
