"""The overdue rules as a table."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from weibao.records import rules

NOW = datetime(2026, 11, 20, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("newest", "frequency", "overdue"),
    [
        (NOW - timedelta(hours=45), 1, False),  # yesterday's nightly backup, with a day's grace
        (NOW - timedelta(hours=49), 1, True),
        (NOW - timedelta(days=7), 7, False),
        (NOW - timedelta(days=8, hours=1), 7, True),
        (None, 1, True),  # never a backup, policy set up long ago
    ],
)
def test_backup_overdue(newest, frequency, overdue):
    since = NOW - timedelta(days=30)
    assert rules.backup_overdue(newest=newest, frequency_days=frequency, since=since, now=NOW) is overdue


@pytest.mark.parametrize(
    ("last", "since", "today", "overdue"),
    [
        (date(2026, 8, 1), date(2026, 1, 1), date(2026, 10, 30), False),  # due on 10-30 itself
        (date(2026, 8, 1), date(2026, 1, 1), date(2026, 10, 31), True),
        (None, date(2026, 9, 1), date(2026, 11, 20), False),  # new policy: 90 days from set-up
        (None, date(2026, 8, 1), date(2026, 11, 20), True),
    ],
)
def test_restore_test_overdue(last, since, today, overdue):
    assert rules.restore_test_overdue(last_passed=last, interval_days=90, since=since, today=today) is overdue
