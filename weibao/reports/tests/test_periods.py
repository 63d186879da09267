"""Period labels → [start, end) days; the periods a contract's dates touch."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from weibao.reports.periods import BEIJING, BadPeriod, parse_period, period_of, periods_between


@pytest.mark.parametrize(
    ("label", "start", "end", "cadence"),
    [
        ("2026Q1", date(2026, 1, 1), date(2026, 4, 1), "quarter"),
        ("2026Q3", date(2026, 7, 1), date(2026, 10, 1), "quarter"),
        ("2026Q4", date(2026, 10, 1), date(2027, 1, 1), "quarter"),
        ("2026H1", date(2026, 1, 1), date(2026, 7, 1), "half_year"),
        ("2026H2", date(2026, 7, 1), date(2027, 1, 1), "half_year"),
        ("2026M02", date(2026, 2, 1), date(2026, 3, 1), "month"),
        ("2026M12", date(2026, 12, 1), date(2027, 1, 1), "month"),
        ("2026", date(2026, 1, 1), date(2027, 1, 1), "year"),
        ("2026q3", date(2026, 7, 1), date(2026, 10, 1), "quarter"),
    ],
)
def test_labels(label, start, end, cadence):
    period = parse_period(label)
    assert (period.start, period.end, period.cadence) == (start, end, cadence)
    assert period.label == label.upper()


@pytest.mark.parametrize(
    "label", ["2026Q5", "2026Q0", "2026H3", "2026M13", "2026M7", "26Q1", "", "2026-Q3", "1999"]
)
def test_bad_labels(label):
    with pytest.raises(BadPeriod):
        parse_period(label)


def test_instants_are_beijing_midnights():
    period = parse_period("2026Q3")
    assert period.start_at == datetime(2026, 7, 1, tzinfo=BEIJING)
    assert period.end_at == datetime(2026, 10, 1, tzinfo=BEIJING)
    assert period.start_at.utcoffset().total_seconds() == 8 * 3600
    assert period.last_day == date(2026, 9, 30)


@pytest.mark.parametrize(
    ("cadence", "day", "label"),
    [
        ("quarter", date(2026, 9, 30), "2026Q3"),
        ("quarter", date(2026, 10, 1), "2026Q4"),
        ("half_year", date(2026, 6, 30), "2026H1"),
        ("month", date(2026, 7, 31), "2026M07"),
        ("year", date(2027, 1, 1), "2027"),
    ],
)
def test_period_of(cadence, day, label):
    assert period_of(cadence, day).label == label


def test_periods_between_a_mid_quarter_contract():
    labels = [p.label for p in periods_between("quarter", date(2026, 2, 15), date(2027, 2, 14))]
    assert labels == ["2026Q1", "2026Q2", "2026Q3", "2026Q4", "2027Q1"]
    assert periods_between("quarter", date(2026, 2, 1), date(2026, 1, 1)) == []
    assert [p.label for p in periods_between("month", date(2026, 11, 30), date(2027, 1, 1))] == [
        "2026M11",
        "2026M12",
        "2027M01",
    ]
