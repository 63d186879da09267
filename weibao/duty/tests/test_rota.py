"""The rosters' arithmetic as tables: holidays from statutory days, the round robin, patterns."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from weibao.calendars.statutory import from_chinese_calendar
from weibao.duty import rota

Z = ZoneInfo("Asia/Shanghai")


def statutory_2026() -> dict[date, tuple[bool, str]]:
    data = from_chinese_calendar([2026])
    days = {d: (w, data.names.get(d, "")) for d, w in data.exceptions.items()}
    days.update({d: (d.weekday() < 5, n) for d, n in data.names.items() if d not in days})
    return days


def test_2026_holidays_are_the_state_councils():
    found = {(h.name, h.start.isoformat(), h.end.isoformat()) for h in rota.holidays(statutory_2026())}
    assert ("国庆节", "2026-10-01", "2026-10-07") in found
    assert ("春节", "2026-02-15", "2026-02-23") in found
    assert ("劳动节", "2026-05-01", "2026-05-05") in found
    # Make-up workdays (Sun 09-20, Sat 10-10) are not part of any holiday.
    assert not any(h.start <= date(2026, 10, 10) <= h.end for h in rota.holidays(statutory_2026()))


@pytest.mark.parametrize(
    ("engineers", "offset", "expected"),
    [
        (["a", "b", "c"], 0, [("a", "b"), ("b", "c"), ("c", "a"), ("a", "b")]),
        (["a", "b", "c"], 2, [("c", "a"), ("a", "b"), ("b", "c"), ("c", "a")]),
        (["a"], 0, [("a", None)] * 4),
        (["a", "b"], 1, [("b", "a"), ("a", "b"), ("b", "a"), ("a", "b")]),
    ],
)
def test_rotation_gives_each_day_a_primary_and_a_backup(engineers, offset, expected):
    days = [date(2026, 10, d) for d in range(1, 5)]
    groups = rota.rotation(days, engineers, offset=offset)
    assert [(g.primary, g.backup) for g in groups] == expected
    assert [g.day for g in groups] == days


def test_rotation_needs_someone():
    with pytest.raises(ValueError):
        rota.rotation([date(2026, 10, 1)], [])


def test_a_pattern_line_past_midnight_ends_the_next_day_and_holidays_are_skipped():
    lines = [
        rota.PatternLine(0, time(18), time(8), "night"),  # Monday 18:00 → Tuesday 08:00
        rota.PatternLine(5, time(8), time(20), "saturday"),
    ]
    made = rota.pattern_shifts(
        lines, date(2026, 9, 28), date(2026, 10, 11), Z, skip=frozenset({date(2026, 10, 3)})
    )
    assert [(s.isoformat(), e.isoformat(), k) for s, e, k in made] == [
        ("2026-09-28T18:00:00+08:00", "2026-09-29T08:00:00+08:00", "night"),
        ("2026-10-05T18:00:00+08:00", "2026-10-06T08:00:00+08:00", "night"),
        ("2026-10-10T08:00:00+08:00", "2026-10-10T20:00:00+08:00", "saturday"),
    ]


def test_a_day_span_is_midnight_to_midnight_local():
    start, end = rota.day_span(date(2026, 10, 3), Z)
    assert start == datetime(2026, 10, 3, tzinfo=Z) and end == datetime(2026, 10, 4, tzinfo=Z)
