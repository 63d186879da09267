"""When a backup policy is overdue: pure date arithmetic, no database.

* A backup is overdue when the newest good backup is older than the policy's frequency plus a
  day's grace (a nightly backup that ran at 02:00 yesterday is not yet late at 23:00 today), or
  when there has never been one and the policy is older than that.
* A restore test is due ``interval_days`` after the last passed test (a failed or partial test
  does not reset the clock), or after the policy was set up when none passed yet; it is overdue
  the day after it is due.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

GRACE = timedelta(days=1)


def backup_overdue(*, newest: datetime | None, frequency_days: int, since: datetime, now: datetime) -> bool:
    limit = timedelta(days=frequency_days) + GRACE
    return now - (newest or since) > limit


def restore_test_due(*, last_passed: date | None, interval_days: int, since: date) -> date:
    return (last_passed or since) + timedelta(days=interval_days)


def restore_test_overdue(*, last_passed: date | None, interval_days: int, since: date, today: date) -> bool:
    return today > restore_test_due(last_passed=last_passed, interval_days=interval_days, since=since)
