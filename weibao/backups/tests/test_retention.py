"""Which backups retention keeps: a table of histories and the answer for each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from weibao.backups.retention import select_keep
from weibao.backups.schedule import backup_name, backup_time


def d(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def nightly(last: str, days: int) -> list[datetime]:
    end = d(last)
    return [end - timedelta(days=i) for i in range(days)]


CASES = [
    # (history, daily, weekly, monthly, kept)
    ([], 7, 4, 12, set()),
    ([d("2026-12-03 02:15")], 0, 0, 0, {d("2026-12-03 02:15")}),  # the newest always stays
    # Two backups on one day: the newer one stands for the day.
    ([d("2026-12-03 02:15"), d("2026-12-03 14:00")], 7, 0, 0, {d("2026-12-03 14:00")}),
    # Ten nights, daily only: the last seven.
    (nightly("2026-12-10 02:15", 10), 7, 0, 0, set(nightly("2026-12-10 02:15", 7))),
    # Weekly: the newest of each ISO week (2026-12-07 is a Monday); 22 nights reach a fourth week
    # by one day (Sunday 2026-11-22), which is then its newest.
    (
        nightly("2026-12-13 02:15", 22),
        0,
        4,
        0,
        {d("2026-12-13 02:15"), d("2026-12-06 02:15"), d("2026-11-29 02:15"), d("2026-11-22 02:15")},
    ),
    (nightly("2026-12-13 02:15", 22), 0, 2, 0, {d("2026-12-13 02:15"), d("2026-12-06 02:15")}),
    # Monthly: the newest of each month, at most three.
    (
        nightly("2026-12-02 02:15", 120),
        0,
        0,
        3,
        {d("2026-12-02 02:15"), d("2026-11-30 02:15"), d("2026-10-31 02:15")},
    ),
    # Gaps do not use up slots: three backups weeks apart are the three most recent days.
    (
        [d("2026-10-01 02:15"), d("2026-11-01 02:15"), d("2026-12-01 02:15")],
        3,
        0,
        0,
        {d("2026-10-01 02:15"), d("2026-11-01 02:15"), d("2026-12-01 02:15")},
    ),
]


@pytest.mark.parametrize(("history", "daily", "weekly", "monthly", "kept"), CASES)
def test_select_keep(history, daily, weekly, monthly, kept):
    assert select_keep(history, daily=daily, weekly=weekly, monthly=monthly) == kept


def test_the_defaults_over_two_years_of_nights():
    history = nightly("2026-12-31 02:15", 730)
    kept = select_keep(history)
    # 7 days; 4 weeks, whose newest are Thu 12-31 and Sundays 12-27 (both among the days), 12-20
    # and 12-13; 12 months, whose newest are the last of each month (December's among the days).
    days = set(nightly("2026-12-31 02:15", 7))
    assert days <= kept
    assert {d("2026-12-20 02:15"), d("2026-12-13 02:15")} <= kept
    assert d("2026-12-06 02:15") not in kept
    months = {d(f"2026-{m:02d}-01 02:15") - timedelta(days=1) for m in range(2, 13)}  # last of Jan–Nov
    assert months <= kept
    assert len(kept) == 7 + 2 + 11
    assert min(kept) == d("2026-01-31 02:15")


def test_file_names_carry_their_time():
    at = d("2026-12-03 02:15:09")
    assert backup_name(at) == "weibao-20261203-021509.wbk"
    assert backup_time(backup_name(at)) == at
    assert backup_time("notes.txt") is None and backup_time(".weibao-20261203-021509.wbk.part") is None
