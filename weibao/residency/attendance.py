"""A resident engineer's month against the contract's requirement: pure arithmetic, no database.

The rules:

* A workday is a day the residency calendar (the hospital's hours) is open; its required time
  is the length of its opening periods.
* Time on site counts only inside those periods (an early check-in or a late check-out adds
  nothing), from check-in to check-out; a stay never checked out counts nothing.
* A workday covered by leave the hospital approved is ``leave``: never a shortfall, whatever
  the time on site. Otherwise no time on site is ``absent``, less than the required time
  ``short``, and the required time ``present``.
* The shortfalls are the absent and short days; the month also falls short when fewer resident
  engineers are in post than the contract requires (``min_count``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

PRESENT, SHORT, LEAVE, ABSENT = "present", "short", "leave", "absent"

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Day:
    """One workday of one engineer."""

    day: date
    status: str
    required: int
    """Seconds the calendar is open that day."""
    worked: int
    """Seconds on site inside the opening periods."""

    @property
    def missing(self) -> int:
        return 0 if self.status in (PRESENT, LEAVE) else self.required - self.worked


@dataclass(frozen=True)
class Month:
    """One engineer's workdays of a month, and the days that fall short."""

    days: tuple[Day, ...]
    shortfalls: tuple[Day, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "shortfalls", tuple(d for d in self.days if d.status in (SHORT, ABSENT)))

    def count(self, status: str) -> int:
        return sum(1 for d in self.days if d.status == status)


def overlap(a: Interval, b: Interval) -> int:
    """Seconds two intervals share."""
    start, end = max(a[0], b[0]), min(a[1], b[1])
    return max(0, int((end - start).total_seconds()))


def day_status(*, required: int, worked: int, on_leave: bool) -> str:
    if on_leave:
        return LEAVE
    if worked <= 0:
        return ABSENT
    return PRESENT if worked >= required else SHORT


def month(
    opening: Mapping[date, Sequence[Interval]],
    stays: Iterable[Interval],
    leave_days: set[date],
) -> Month:
    """The engineer's month: ``opening`` gives each workday's open intervals (aware datetimes),
    ``stays`` the check-in to check-out intervals, ``leave_days`` the days of approved leave."""
    stays = list(stays)
    out = []
    for day in sorted(opening):
        periods = opening[day]
        required = sum(int((b - a).total_seconds()) for a, b in periods)
        if required <= 0:
            continue
        worked = sum(overlap(p, s) for p in periods for s in stays)
        out.append(
            Day(
                day,
                day_status(required=required, worked=worked, on_leave=day in leave_days),
                required,
                worked,
            )
        )
    return Month(tuple(out))


def staffing_shortfall(*, in_post: int, required: int) -> int:
    """How many resident engineers are missing from the contract's required count."""
    return max(0, required - in_post)
