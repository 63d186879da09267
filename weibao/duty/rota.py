"""The duty rosters' arithmetic, with no database: which statutory holidays a year has, who of a
duty group stands each day of a holiday, and the dated shifts a weekly pattern gives.

Rules:

* A holiday is a run of consecutive statutory days off (休) carrying the same name; its make-up
  workdays (班) are not part of it. National Day 2026 is 10-01..10-07.
* A holiday's day runs from 00:00 to the next 00:00 in the hospital's time zone; the duty group of
  day *i* is engineer *i* (primary) and engineer *i + 1* (backup) of the list, round robin, so
  the load is spread and each day has a backup when the list has two or more engineers.
* A weekly pattern line whose end is not after its start runs past midnight into the next day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Holiday:
    """One statutory holiday: its name and its first and last day off."""

    name: str
    start: date
    end: date

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


def holidays(days: Mapping[date, tuple[bool, str]]) -> list[Holiday]:
    """The holidays of the statutory days ``days`` (date → (is_workday, name)), in date order."""
    found: list[Holiday] = []
    for day in sorted(days):
        is_workday, name = days[day]
        if is_workday or not name:
            continue
        last = found[-1] if found else None
        if last is not None and last.name == name and last.end + timedelta(days=1) == day:
            found[-1] = Holiday(name, last.start, day)
        else:
            found.append(Holiday(name, day, day))
    return found


@dataclass(frozen=True)
class GroupDay:
    """The duty group of one day: a primary engineer and, when there is one, a backup."""

    day: date
    primary: object
    backup: object | None


def rotation(days: Sequence[date], engineers: Sequence[T], *, offset: int = 0) -> list[GroupDay]:
    """Round robin over ``engineers`` for ``days`` (see the module's rules). ``offset`` continues
    the rotation of an earlier holiday so the same engineer does not always take the first day."""
    if not engineers:
        raise ValueError("no engineers")
    n = len(engineers)
    return [
        GroupDay(day, engineers[(i + offset) % n], engineers[(i + offset + 1) % n] if n > 1 else None)
        for i, day in enumerate(days)
    ]


def day_span(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """A whole day, midnight to midnight, in ``tz``."""
    start = datetime.combine(day, time(0), tzinfo=tz)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)


@dataclass(frozen=True)
class PatternLine:
    """One line of a weekly pattern, its engineer and role left to the caller (``key``)."""

    weekday: int
    start: time
    end: time
    key: object


def pattern_shifts(
    lines: Iterable[PatternLine], first: date, last: date, tz: tzinfo, *, skip: frozenset[date] = frozenset()
) -> list[tuple[datetime, datetime, object]]:
    """The dated shifts the weekly pattern ``lines`` gives from ``first`` to ``last`` (inclusive),
    leaving out the days in ``skip`` (the days a holiday plan covers)."""
    by_day: dict[int, list[PatternLine]] = {}
    for line in lines:
        by_day.setdefault(line.weekday, []).append(line)
    out: list[tuple[datetime, datetime, object]] = []
    day = first
    while day <= last:
        if day not in skip:
            for line in by_day.get(day.weekday(), []):
                start = datetime.combine(day, line.start, tzinfo=tz)
                end_day = day if line.end > line.start else day + timedelta(days=1)
                out.append((start, datetime.combine(end_day, line.end, tzinfo=tz), line.key))
        day += timedelta(days=1)
    return out
