"""Calendar arithmetic on the 2026 statutory calendar, DST zones and edge cases.

Every expected value below was worked out by hand from the 2026 holiday list (FACTS.md):
New Year 01-01..01-03 (make-up Sun 01-04); Spring Festival 02-15..02-23 (make-ups Sat 02-14 and
Sat 02-28); Qingming 04-04..04-06; Labour Day 05-01..05-05 (make-up Sat 05-09); Dragon Boat
06-19..06-21; Mid-autumn 09-25..09-27; National Day 10-01..10-07 (make-ups Sun 09-20 and Sat
10-10). 5x8 and 7x8 are open 08:00–12:00 and 14:00–18:00. 2026-01-01 is a Thursday, 2027-01-01 a
Friday; the package has no 2027 data, so 2027 on 5x8 is a Monday–Friday fallback (provisional).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from weibao.calendars.durations import parse_duration
from weibao.calendars.schedule import (
    SEVEN_BY_24,
    CalendarSpec,
    Schedule,
    five_by_eight,
    schedule_for,
    seven_by_eight,
)
from weibao.calendars.statutory import from_chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
STATUTORY = from_chinese_calendar(range(2025, 2028))
SCHEDULES = {
    "5x8": Schedule(five_by_eight(STATUTORY.exceptions, STATUTORY.years)),
    "7x8": Schedule(seven_by_eight()),
    "7x24": Schedule(SEVEN_BY_24),
}


def dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


# (calendar, start, duration, expected due, expected provisional)
DEADLINES = [
    # --- 5x8 -------------------------------------------------------------------------------
    # National Day: 1 h on Wed 09-30, then holiday 10-01..10-07, 3 h on Thu 10-08.
    ("5x8", "2026-09-30T17:00:00+08:00", "4h", "2026-10-08T11:00:00+08:00", False),
    # Fri 02-13 17–18, then make-up Sat 02-14 from 08:00.
    ("5x8", "2026-02-13T17:00:00+08:00", "2h", "2026-02-14T09:00:00+08:00", False),
    # Make-up Sat 02-14 16–18, Spring Festival 02-15..02-23, Tue 02-24 08–10.
    ("5x8", "2026-02-14T16:00:00+08:00", "4h", "2026-02-24T10:00:00+08:00", False),
    # Fri 02-27 17:30–18, make-up Sat 02-28 08:00–08:30.
    ("5x8", "2026-02-27T17:30:00+08:00", "1h", "2026-02-28T08:30:00+08:00", False),
    # Start inside the lunch break: counting begins 14:00.
    ("5x8", "2026-03-10T12:30:00+08:00", "90m", "2026-03-10T15:30:00+08:00", False),
    # Due exactly at 12:00 stays at 12:00 (no jump to 14:00).
    ("5x8", "2026-03-10T10:00:00+08:00", "2h", "2026-03-10T12:00:00+08:00", False),
    # Zero at a closing boundary (12:00 is closed): the next opening.
    ("5x8", "2026-03-10T12:00:00+08:00", "0m", "2026-03-10T14:00:00+08:00", False),
    # Zero while open: the start itself.
    ("5x8", "2026-03-10T11:00:00+08:00", "0m", "2026-03-10T11:00:00+08:00", False),
    # 30 min before lunch, 60 min after.
    ("5x8", "2026-03-10T11:30:00+08:00", "90m", "2026-03-10T15:00:00+08:00", False),
    # To the second across the lunch break.
    ("5x8", "2026-03-10T11:59:30+08:00", "1m", "2026-03-10T14:00:30+08:00", False),
    # After hours: the whole next morning, due exactly at 12:00.
    ("5x8", "2026-03-10T19:00:00+08:00", "4h", "2026-03-11T12:00:00+08:00", False),
    # Friday at closing time: Monday 09:00.
    ("5x8", "2026-03-13T18:00:00+08:00", "1h", "2026-03-16T09:00:00+08:00", False),
    # 2d = 48 open hours = six 8-hour days: 6 h on Tue 03-10, then 11, 12, 13, 16, 17, 2 h on 18.
    ("5x8", "2026-03-10T10:00:00+08:00", "2d", "2026-03-18T10:00:00+08:00", False),
    # Labour Day: Thu 04-30 16–18 (2 h), 05-01..05-05 off, Wed 05-06 08–12 and 14–16.
    ("5x8", "2026-04-30T16:00:00+08:00", "8h", "2026-05-06T16:00:00+08:00", False),
    # Fri 05-08 17–18, make-up Sat 05-09 08–09.
    ("5x8", "2026-05-08T17:00:00+08:00", "2h", "2026-05-09T09:00:00+08:00", False),
    # Lunch break on the make-up Saturday: the afternoon, due exactly at 18:00.
    ("5x8", "2026-05-09T12:00:00+08:00", "4h", "2026-05-09T18:00:00+08:00", False),
    # Plain Saturday 09-19 is closed; Sun 09-20 is a make-up workday.
    ("5x8", "2026-09-19T10:00:00+08:00", "1h", "2026-09-20T09:00:00+08:00", False),
    # Fri 10-09 17–18, make-up Sat 10-10 08–09.
    ("5x8", "2026-10-09T17:00:00+08:00", "2h", "2026-10-10T09:00:00+08:00", False),
    # Mid-autumn: Fri 09-25 off, so Thu 09-24 17–18 then Mon 09-28 08–09.
    ("5x8", "2026-09-24T17:00:00+08:00", "2h", "2026-09-28T09:00:00+08:00", False),
    # New Year: Sat 01-03 is a holiday, Sun 01-04 a make-up day.
    ("5x8", "2026-01-03T10:00:00+08:00", "1h", "2026-01-04T09:00:00+08:00", False),
    # Into 2027: 1 h on Thu 12-31, 3 h on Fri 2027-01-01 by the Mon–Fri fallback.
    ("5x8", "2026-12-31T17:00:00+08:00", "4h", "2027-01-01T11:00:00+08:00", True),
    # Ends exactly at 18:00 on 12-31: relies on 2026 only.
    ("5x8", "2026-12-31T16:00:00+08:00", "2h", "2026-12-31T18:00:00+08:00", False),
    # Working days, strictly after the start's day, due at the day's closing time.
    ("5x8", "2026-09-30T10:00:00+08:00", "1wd", "2026-10-08T18:00:00+08:00", False),
    ("5x8", "2026-02-13T10:00:00+08:00", "2wd", "2026-02-24T18:00:00+08:00", False),
    ("5x8", "2026-05-08T20:00:00+08:00", "1wd", "2026-05-09T18:00:00+08:00", False),
    ("5x8", "2026-04-30T09:00:00+08:00", "3wd", "2026-05-08T18:00:00+08:00", False),
    ("5x8", "2026-09-30T10:00:00+08:00", "3wd", "2026-10-10T18:00:00+08:00", False),
    ("5x8", "2026-12-30T10:00:00+08:00", "1wd", "2026-12-31T18:00:00+08:00", False),
    ("5x8", "2026-12-30T10:00:00+08:00", "2wd", "2027-01-01T18:00:00+08:00", True),
    # --- 7x8 (holidays are open) -------------------------------------------------------------
    ("7x8", "2026-09-30T17:00:00+08:00", "4h", "2026-10-01T11:00:00+08:00", False),
    ("7x8", "2026-02-15T12:00:00+08:00", "4h", "2026-02-15T18:00:00+08:00", False),
    ("7x8", "2026-12-31T17:00:00+08:00", "4h", "2027-01-01T11:00:00+08:00", False),
    ("7x8", "2026-05-01T07:00:00+08:00", "1wd", "2026-05-02T18:00:00+08:00", False),
    # 1d = 24 open hours: 4 h on 10-03, 8 h on 10-04 and 10-05, 4 h on 10-06.
    ("7x8", "2026-10-03T13:00:00+08:00", "1d", "2026-10-06T12:00:00+08:00", False),
    # --- 7x24 --------------------------------------------------------------------------------
    ("7x24", "2026-12-31T23:00:00+08:00", "2h", "2027-01-01T01:00:00+08:00", False),
    ("7x24", "2026-12-31T23:59:59+08:00", "1m", "2027-01-01T00:00:59+08:00", False),
    ("7x24", "2026-12-31T22:30:00+08:00", "1wd", "2027-01-02T00:00:00+08:00", False),
    ("7x24", "2026-02-15T10:00:00+08:00", "4h", "2026-02-15T14:00:00+08:00", False),
    ("7x24", "2026-10-01T00:00:00+08:00", "2d", "2026-10-03T00:00:00+08:00", False),
    ("7x24", "2026-03-10T12:00:00+08:00", "0m", "2026-03-10T12:00:00+08:00", False),
]


@pytest.mark.parametrize(("calendar", "start", "duration", "due", "provisional"), DEADLINES)
def test_deadlines(calendar: str, start: str, duration: str, due: str, provisional: bool) -> None:
    result_due, result_provisional = SCHEDULES[calendar].add_duration(dt(start), parse_duration(duration))
    assert result_due.isoformat() == due
    assert result_due.tzinfo == SHANGHAI
    assert result_provisional is provisional


@pytest.mark.parametrize(
    ("calendar", "start", "duration", "due", "provisional"), [c for c in DEADLINES if not c[2].endswith("wd")]
)
def test_deadlines_bulk_agrees(calendar: str, start: str, duration: str, due: str, provisional: bool) -> None:
    parsed = parse_duration(duration)
    dues, provs = SCHEDULES[calendar].add_many(
        np.array([int(dt(start).timestamp())]), np.array([parsed.seconds])
    )
    assert int(dues[0]) == int(dt(due).timestamp())
    assert bool(provs[0]) is provisional


ELAPSED = [
    ("5x8", "2026-09-30T17:00:00+08:00", "2026-10-08T11:00:00+08:00", 4 * 3600),
    # 02-13, make-up 02-14, 02-24..02-27, make-up 02-28: seven 8-hour days.
    ("5x8", "2026-02-13T00:00:00+08:00", "2026-03-01T00:00:00+08:00", 7 * 8 * 3600),
    ("7x8", "2026-02-13T00:00:00+08:00", "2026-03-01T00:00:00+08:00", 16 * 8 * 3600),
    # 2026: 261 weekdays (52 weeks and a Thursday) − 19 weekday holidays + 6 make-up days = 248.
    ("5x8", "2026-01-01T00:00:00+08:00", "2027-01-01T00:00:00+08:00", 248 * 8 * 3600),
    ("7x24", "2026-12-31T12:00:00+08:00", "2027-01-01T12:00:00+08:00", 86400),
    ("5x8", "2026-03-10T12:10:00+08:00", "2026-03-10T13:50:00+08:00", 0),
    ("5x8", "2026-03-10T11:59:59+08:00", "2026-03-10T14:00:01+08:00", 2),
    ("5x8", "2026-03-10T15:00:00+08:00", "2026-03-10T14:00:00+08:00", 0),
    ("5x8", "2026-03-10T15:00:00+08:00", "2026-03-10T15:00:00+08:00", 0),
    # A different offset on input changes nothing: 09:00 UTC is 17:00 in Shanghai.
    ("5x8", "2026-09-30T09:00:00+00:00", "2026-10-08T03:00:00+00:00", 4 * 3600),
]


@pytest.mark.parametrize(("calendar", "start", "end", "seconds"), ELAPSED)
def test_elapsed(calendar: str, start: str, end: str, seconds: int) -> None:
    assert SCHEDULES[calendar].elapsed(dt(start), dt(end)) == seconds
    bulk = SCHEDULES[calendar].elapsed_many(
        np.array([int(dt(start).timestamp())]), np.array([int(dt(end).timestamp())])
    )
    assert bulk.tolist() == [seconds]


def test_is_open_and_next_open() -> None:
    s = SCHEDULES["5x8"]
    assert s.is_open(dt("2026-03-10T08:00:00+08:00"))
    assert not s.is_open(dt("2026-03-10T12:00:00+08:00"))
    assert not s.is_open(dt("2026-10-05T10:00:00+08:00"))
    assert s.is_open(dt("2026-10-10T10:00:00+08:00"))
    assert s.next_open(dt("2026-03-10T09:15:00+08:00")) == dt("2026-03-10T09:15:00+08:00")
    assert s.next_open(dt("2026-09-30T18:00:00+08:00")) == dt("2026-10-08T08:00:00+08:00")
    assert s.next_workday_appointment(dt("2026-02-14T20:00:00+08:00")) == (
        dt("2026-02-24T08:00:00+08:00"),
        False,
    )
    assert s.next_workday_appointment(dt("2026-12-31T18:30:00+08:00")) == (
        dt("2027-01-01T08:00:00+08:00"),
        True,
    )


def test_due_at_midnight_relies_only_on_the_day_it_closes() -> None:
    # Evening desk until 24:00 on statutory workdays; data for 2026 only.
    evening = Schedule(
        CalendarSpec(
            weekly=dict.fromkeys(range(5), (("20:00", "24:00"),)),
            day_rule="statutory_workdays",
            statutory=STATUTORY.exceptions,
            statutory_years=frozenset({2026}),
        )
    )
    # Ends at 24:00 on Thu 12-31: nothing in 2027 was needed.
    assert evening.add(dt("2026-12-31T23:00:00+08:00"), 3600) == (dt("2027-01-01T00:00:00+08:00"), False)
    assert evening.add_workdays(dt("2026-12-30T21:00:00+08:00"), 1) == (
        dt("2027-01-01T00:00:00+08:00"),
        False,
    )
    # One second more needs Fri 2027-01-01 20:00, a fallback day.
    assert evening.add(dt("2026-12-31T23:00:00+08:00"), 3601) == (dt("2027-01-01T20:00:01+08:00"), True)
    # Zero at midnight is the next opening, on a fallback day.
    assert evening.add(dt("2027-01-01T00:00:00+08:00"), 0) == (dt("2027-01-01T20:00:00+08:00"), True)


def test_makeup_day_works_mondays_hours() -> None:
    spec = CalendarSpec(
        weekly={0: [(time(9), time(17))], **{d: [(time(8), time(18))] for d in range(1, 7)}},
        day_rule="statutory_workdays",
        statutory=STATUTORY.exceptions,
        statutory_years=STATUTORY.years,
    )
    s = Schedule(spec)
    assert s.day_periods(date(2026, 2, 14)) == ((time(9), time(17)),)  # make-up Saturday
    assert s.day_periods(date(2026, 2, 13)) == ((time(8), time(18)),)  # Friday
    assert s.day_periods(date(2026, 2, 21)) == ()  # Saturday in the holiday; weekly[5] unused
    assert s.day_periods(date(2026, 3, 7)) == ()  # ordinary Saturday


def test_overrides_win_over_both_rules() -> None:
    # 5x8 plus two overrides: open 09–11 on a holiday (10-03), closed on a workday (10-08).
    spec = five_by_eight(STATUTORY.exceptions, STATUTORY.years)
    spec = CalendarSpec(
        weekly=spec.weekly,
        day_rule=spec.day_rule,
        statutory=spec.statutory,
        statutory_years=spec.statutory_years,
        overrides={date(2026, 10, 3): [(time(9), time(11))], date(2026, 10, 8): []},
    )
    s = Schedule(spec)
    assert s.add(dt("2026-09-30T17:30:00+08:00"), 3600) == (dt("2026-10-03T09:30:00+08:00"), False)
    assert s.add(dt("2026-10-03T10:30:00+08:00"), 3600) == (dt("2026-10-09T08:30:00+08:00"), False)
    every = Schedule(CalendarSpec(weekly=seven_by_eight().weekly, overrides={date(2026, 10, 1): []}))
    assert every.add(dt("2026-09-30T17:00:00+08:00"), 7200) == (dt("2026-10-02T09:00:00+08:00"), False)
    # An override in a year without data is not provisional.
    later = Schedule(
        CalendarSpec(
            weekly=spec.weekly,
            day_rule="statutory_workdays",
            statutory_years=frozenset({2026}),
            overrides={date(2027, 1, 1): []},
        )
    )
    assert later.is_provisional_day(date(2027, 1, 1)) is False
    assert later.is_provisional_day(date(2027, 1, 4)) is True


def test_far_years_are_built_on_demand() -> None:
    s = SCHEDULES["5x8"]
    # 2040-01-02 is a Monday; no statutory data, so a weekday fallback.
    assert s.add(dt("2040-01-02T17:00:00+08:00"), 7200) == (dt("2040-01-03T09:00:00+08:00"), True)
    # 2010 is not in this schedule's data: a plain Friday 10-01.
    assert s.add(dt("2010-09-30T17:00:00+08:00"), 7200) == (dt("2010-10-01T09:00:00+08:00"), True)
    # With the package's 2010 data: National Day 10-01..10-07, Fri 10-08 open.
    data_2010 = from_chinese_calendar([2010])
    s2010 = Schedule(five_by_eight(data_2010.exceptions, data_2010.years))
    assert s2010.add(dt("2010-09-30T17:00:00+08:00"), 7200) == (dt("2010-10-08T09:00:00+08:00"), False)
    # 1990: China observed DST (04-15 02:00 → 03:00); 08:00–12:00 is unaffected.
    morning = Schedule(CalendarSpec(weekly=dict.fromkeys(range(7), ((time(8), time(12)),))))
    assert morning.elapsed(dt("1990-04-15T00:00:00+08:00"), dt("1990-04-16T00:00:00+09:00")) == 4 * 3600
    due, _ = morning.add(dt("1990-04-15T11:00:00+09:00"), 7200)
    assert due.isoformat() == "1990-04-16T09:00:00+09:00"


def test_seven_by_24_is_one_continuous_interval() -> None:
    s = SCHEDULES["7x24"]
    got = s.open_intervals(dt("2026-12-30T00:00:00+08:00"), dt("2027-01-03T00:00:00+08:00"))
    assert got == [(dt("2026-12-30T00:00:00+08:00"), dt("2027-01-03T00:00:00+08:00"))]
    assert s.elapsed(dt("2024-01-01T00:00:00+08:00"), dt("2029-01-01T00:00:00+08:00")) == (
        (366 + 365 + 365 + 365 + 366) * 86400
    )


def test_subsecond_inputs_are_floored() -> None:
    s = SCHEDULES["7x24"]
    assert s.add(dt("2026-03-10T10:00:00.700000+08:00"), 3600)[0] == dt("2026-03-10T11:00:00+08:00")
    assert s.elapsed(dt("2026-03-10T10:00:00.900+08:00"), dt("2026-03-10T10:00:01.100+08:00")) == 1


# --- DST --------------------------------------------------------------------------------------

BERLIN = "Europe/Berlin"  # 2026: spring forward Sun 03-29 02:00→03:00, fall back Sun 10-25 03:00→02:00
NEW_YORK = "America/New_York"  # 2026: spring forward Sun 03-08, fall back Sun 11-01


def sunday_night(tz: str, start: str, end: str) -> Schedule:
    return Schedule(CalendarSpec(weekly={6: [(start, end)]}, tz=tz))


def test_dst_spring_forward_period_is_two_real_hours() -> None:
    s = sunday_night(BERLIN, "01:00", "04:00")
    assert s.elapsed(dt("2026-03-29T00:00:00+01:00"), dt("2026-03-30T00:00:00+02:00")) == 2 * 3600
    # 2 h on 03-29, the third hour on the next Sunday (CEST).
    due, _ = s.add(dt("2026-03-29T01:00:00+01:00"), 3 * 3600)
    assert due.isoformat() == "2026-04-05T02:00:00+02:00"
    # The instant after 01:59:59 CET is 03:00:00 CEST, one second of open time later.
    assert s.add(dt("2026-03-29T01:59:59+01:00"), 1)[0].isoformat() == "2026-03-29T03:00:00+02:00"


def test_dst_fall_back_period_is_four_real_hours() -> None:
    s = sunday_night(BERLIN, "01:00", "04:00")
    assert s.elapsed(dt("2026-10-25T00:00:00+02:00"), dt("2026-10-26T00:00:00+01:00")) == 4 * 3600
    due, _ = s.add(dt("2026-10-25T01:00:00+02:00"), 4 * 3600)
    assert due.isoformat() == "2026-10-25T04:00:00+01:00"
    # Repeated wall time: 02:30 happens twice, both inside the period.
    due, _ = s.add(dt("2026-10-25T01:00:00+02:00"), 90 * 60)
    assert due.isoformat() == "2026-10-25T02:30:00+02:00"
    assert due.fold == 0
    due, _ = s.add(dt("2026-10-25T01:00:00+02:00"), 150 * 60)
    assert due.isoformat() == "2026-10-25T02:30:00+01:00"
    assert due.fold == 1


def test_dst_periods_in_skipped_and_repeated_hours() -> None:
    skipped = sunday_night(BERLIN, "02:00", "03:00")
    assert skipped.elapsed(dt("2026-03-29T00:00:00+01:00"), dt("2026-03-30T00:00:00+02:00")) == 0
    partly = sunday_night(BERLIN, "02:30", "03:30")  # only 03:00–03:30 exists that night
    assert partly.elapsed(dt("2026-03-29T00:00:00+01:00"), dt("2026-03-30T00:00:00+02:00")) == 1800
    repeated = sunday_night(BERLIN, "02:00", "02:30")  # both occurrences count
    assert repeated.elapsed(dt("2026-10-25T00:00:00+02:00"), dt("2026-10-26T00:00:00+01:00")) == 3600
    # (Compared as text: PEP 495 makes ambiguous wall times unequal across zones.)
    got = repeated.open_intervals(dt("2026-10-25T00:00:00+02:00"), dt("2026-10-26T00:00:00+01:00"))
    assert [(a.isoformat(), b.isoformat()) for a, b in got] == [
        ("2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00"),
        ("2026-10-25T02:00:00+01:00", "2026-10-25T02:30:00+01:00"),
    ]


def test_dst_new_york_days_and_hours() -> None:
    always = Schedule(CalendarSpec(weekly=SEVEN_BY_24.weekly, tz=NEW_YORK))
    # 1d is 24 hours of open time, not a calendar day: 13:00 EDT on the short day.
    assert always.add(dt("2026-03-07T12:00:00-05:00"), 86400)[0].isoformat() == "2026-03-08T13:00:00-04:00"
    assert always.elapsed(dt("2026-03-08T00:00:00-05:00"), dt("2026-03-09T00:00:00-04:00")) == 23 * 3600
    assert always.elapsed(dt("2026-11-01T00:00:00-04:00"), dt("2026-11-02T00:00:00-05:00")) == 25 * 3600
    # 1wd on 7x24 ends at midnight closing the next day, whatever its length.
    assert always.add_workdays(dt("2026-03-07T10:00:00-05:00"), 1)[0].isoformat() == (
        "2026-03-09T00:00:00-04:00"
    )
    office = Schedule(seven_by_eight(tz=NEW_YORK))
    assert office.elapsed(dt("2026-03-08T00:00:00-05:00"), dt("2026-03-09T00:00:00-04:00")) == 8 * 3600
    assert office.add(dt("2026-03-07T17:00:00-05:00"), 2 * 3600)[0].isoformat() == "2026-03-08T09:00:00-04:00"


def test_dst_berlin_workdays_over_fall_back() -> None:
    always = Schedule(CalendarSpec(weekly=SEVEN_BY_24.weekly, tz=BERLIN))
    assert always.add_workdays(dt("2026-10-24T10:00:00+02:00"), 1)[0].isoformat() == (
        "2026-10-26T00:00:00+01:00"
    )
    assert always.elapsed(dt("2026-10-25T00:00:00+02:00"), dt("2026-10-26T00:00:00+01:00")) == 25 * 3600


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.add(datetime(2026, 3, 10, 10), 60),
        lambda s: s.add_workdays(datetime(2026, 3, 10, 10), 1),
        lambda s: s.elapsed(datetime(2026, 3, 10, 10), dt("2026-03-10T11:00:00+08:00")),
        lambda s: s.elapsed(dt("2026-03-10T10:00:00+08:00"), datetime(2026, 3, 10, 11)),
        lambda s: s.is_open(datetime(2026, 3, 10, 10)),
        lambda s: s.next_open(datetime(2026, 3, 10, 10)),
    ],
)
def test_naive_datetimes_are_rejected(call) -> None:
    with pytest.raises(ValueError, match="naive"):
        call(SCHEDULES["5x8"])


def test_bad_durations_are_rejected() -> None:
    s = SCHEDULES["5x8"]
    with pytest.raises(ValueError, match="negative"):
        s.add(dt("2026-03-10T10:00:00+08:00"), -1)
    with pytest.raises(ValueError, match="whole number"):
        s.add(dt("2026-03-10T10:00:00+08:00"), 1.5)
    with pytest.raises(ValueError, match="positive"):
        s.add_workdays(dt("2026-03-10T10:00:00+08:00"), 0)
    with pytest.raises(ValueError, match="negative"):
        s.add_many(np.array([0]), np.array([-5]))


def test_empty_calendar_raises_instead_of_looping() -> None:
    empty = Schedule(CalendarSpec(weekly={}))
    start = dt("2026-03-10T10:00:00+08:00")
    for call in (
        lambda: empty.add(start, 60),
        lambda: empty.add(start, 0),
        lambda: empty.next_open(start),
        lambda: empty.add_workdays(start, 1),
        lambda: empty.add_many(np.array([int(start.timestamp())]), np.array([60])),
    ):
        with pytest.raises(ValueError, match="no opening hours in the 10 years"):
            call()
    assert empty.elapsed(start, start + timedelta(days=30)) == 0
    assert not empty.is_open(start)


def test_sparse_calendar_uses_its_only_day_then_gives_up() -> None:
    one_day = Schedule(CalendarSpec(weekly={}, overrides={date(2027, 6, 1): [(time(9), time(10))]}))
    start = dt("2026-03-10T10:00:00+08:00")
    assert one_day.add(start, 1800) == (dt("2027-06-01T09:30:00+08:00"), False)
    with pytest.raises(ValueError, match="no opening hours"):
        one_day.add(start, 7200)


def test_absurd_spans_are_refused() -> None:
    with pytest.raises(ValueError, match="more than 200 years"):
        SCHEDULES["7x24"].add(dt("2026-03-10T10:00:00+08:00"), 999999 * 86400)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weekly": {0: [(time(12), time(8))]}}, "ends before it starts"),
        ({"weekly": {7: [(time(8), time(12))]}}, "weekdays 0"),
        ({"weekly": {0: [("8:00", "12:00")]}}, "malformed time"),
        ({"weekly": {0: [(time(8), time(12), time(13))]}}, r"\(start, end\) pair"),
        ({"weekly": {}, "tz": "Mars/Olympus"}, "unknown time zone"),
        ({"weekly": {}, "day_rule": "weekends"}, "day_rule"),
        ({"weekly": {}, "statutory": {date(2026, 1, 1): "no"}}, "True"),
    ],
)
def test_spec_validation(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CalendarSpec(**kwargs)


def test_specs_are_hashable_values_and_schedules_cached() -> None:
    a = CalendarSpec(weekly={0: [("08:00", "12:00"), ("11:00", "13:00")]})
    b = CalendarSpec(weekly={0: [(time(8), time(13))]})
    assert a == b
    assert hash(a) == hash(b)
    assert schedule_for(a) is schedule_for(b)
    assert SEVEN_BY_24.weekly[3] == ((time(0), time(0)),)
    with pytest.raises(TypeError):
        SEVEN_BY_24.weekly[3] = ()  # type: ignore[index]


def test_bulk_shapes_and_scalar_seconds() -> None:
    s = SCHEDULES["5x8"]
    starts = np.array(
        [[int(dt("2026-09-30T17:00:00+08:00").timestamp()), int(dt("2026-12-31T17:00:00+08:00").timestamp())]]
    )
    dues, provs = s.add_many(starts, 4 * 3600)
    assert dues.shape == (1, 2)
    assert dues.tolist() == [
        [int(dt("2026-10-08T11:00:00+08:00").timestamp()), int(dt("2027-01-01T11:00:00+08:00").timestamp())]
    ]
    assert provs.tolist() == [[False, True]]
    assert s.add_many(np.array([], dtype=np.int64), np.array([], dtype=np.int64))[0].shape == (0,)
