"""The cadence rules as tables (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from weibao.inspections.cadence import due_dates, previous_workday, raw_due_dates, statutory_workday

D = date
# The 2026 statutory exceptions that the rows below touch.
STATUTORY = {
    D(2026, 1, 1): False,
    D(2026, 5, 1): False,
    D(2026, 5, 4): False,
    D(2026, 5, 5): False,
    D(2026, 5, 9): True,
    D(2026, 10, 1): False,
    D(2026, 10, 10): True,
}
is_workday = statutory_workday(STATUTORY)


@pytest.mark.parametrize(
    "day, expected",
    [
        (D(2026, 1, 10), D(2026, 1, 9)),  # Saturday → Friday
        (D(2026, 10, 10), D(2026, 10, 10)),  # 调休 Saturday is a workday
        (D(2026, 5, 4), D(2026, 4, 30)),  # holiday Monday, weekend, holiday Friday → Thursday
        (D(2026, 1, 1), D(2025, 12, 31)),  # 元旦
        (D(2026, 3, 11), D(2026, 3, 11)),
    ],
)
def test_previous_workday(day, expected):
    assert previous_workday(day, is_workday) == expected


@pytest.mark.parametrize(
    "kind, n, start, end, dom, expected",
    [
        (
            "monthly",
            None,
            D(2026, 1, 15),
            D(2026, 4, 14),
            10,
            [D(2026, 2, 10), D(2026, 3, 10), D(2026, 4, 10)],
        ),
        (
            "monthly",
            None,
            D(2026, 1, 31),
            D(2026, 4, 29),
            None,
            [D(2026, 2, 27), D(2026, 3, 30), D(2026, 4, 29)],
        ),
        (
            "quarterly",
            None,
            D(2026, 1, 1),
            D(2026, 12, 31),
            None,
            [D(2026, 3, 31), D(2026, 6, 30), D(2026, 9, 30), D(2026, 12, 31)],
        ),
        ("half_yearly", None, D(2026, 1, 1), D(2026, 12, 31), None, [D(2026, 6, 30), D(2026, 12, 31)]),
        ("yearly", None, D(2026, 3, 1), D(2028, 2, 29), None, [D(2027, 2, 28), D(2028, 2, 29)]),
        ("every_n_months", 6, D(2026, 1, 1), D(2026, 12, 31), None, [D(2026, 6, 30), D(2026, 12, 31)]),
        # a last, shorter slot is due on the contract's last day
        ("every_n_months", 6, D(2026, 1, 1), D(2026, 9, 15), None, [D(2026, 6, 30), D(2026, 9, 15)]),
        (
            "times_per_year",
            4,
            D(2026, 1, 1),
            D(2026, 12, 31),
            None,
            [D(2026, 3, 31), D(2026, 6, 30), D(2026, 9, 30), D(2026, 12, 31)],
        ),
        # 5 does not divide 12: 365 days cut into 73-day slots
        (
            "times_per_year",
            5,
            D(2026, 1, 1),
            D(2026, 12, 31),
            None,
            [D(2026, 3, 14), D(2026, 5, 26), D(2026, 8, 7), D(2026, 10, 19), D(2026, 12, 31)],
        ),
        ("monthly", None, D(2026, 5, 1), D(2026, 4, 30), 10, []),
    ],
)
def test_raw_due_dates(kind, n, start, end, dom, expected):
    assert raw_due_dates(kind, n, start, end, day_of_month=dom) == expected


def test_due_dates_move_back_to_workdays():
    got = due_dates("monthly", None, D(2026, 1, 1), D(2026, 12, 31), is_workday=is_workday, day_of_month=10)
    assert len(got) == 12
    assert got[0] == D(2026, 1, 9) and got[4] == D(2026, 5, 9) and got[9] == D(2026, 10, 10)


def test_unknown_cadence():
    with pytest.raises(ValueError):
        raw_due_dates("weekly", None, D(2026, 1, 1), D(2026, 12, 31))
