"""What a calendar is: :class:`CalendarSpec` and the built-in specs (7x24, 7x8, 5x8)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from types import MappingProxyType
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .zones import _DAY

DayRule = Literal["every_day", "statutory_workdays"]
Period = tuple[time, time]
#: A period as given: ``(start, end)`` as ``datetime.time`` or ``"HH:MM"``, checked when read.
PeriodIn = Sequence[time | str]

_MIDNIGHT = time(0, 0)


def _parse_time(value: time | str, *, is_end: bool) -> int:
    """Seconds after local midnight; an end of ``time(0, 0)`` or ``"24:00"`` means 24:00."""
    if isinstance(value, str):
        parts = value.strip().split(":")
        if len(parts) not in (2, 3) or not all(p.isdigit() and len(p) == 2 for p in parts):
            raise ValueError(f"malformed time {value!r}: expected HH:MM or HH:MM:SS")
        h, m, s = (int(p) for p in [*parts, "00"][:3])
        if (h, m, s) == (24, 0, 0) and is_end:
            return _DAY
        if h > 23 or m > 59 or s > 59:
            raise ValueError(f"time {value!r} is out of range")
        secs = h * 3600 + m * 60 + s
    elif isinstance(value, time):
        if value.tzinfo is not None:
            raise ValueError(f"opening times are local wall-clock times and carry no zone, got {value!r}")
        if value.microsecond:
            raise ValueError(f"opening times are whole seconds, got {value!r}")
        secs = value.hour * 3600 + value.minute * 60 + value.second
    else:
        raise ValueError(f"an opening time must be a datetime.time or 'HH:MM', not {value!r}")
    if is_end and secs == 0:
        return _DAY
    return secs


def _normalise_periods(periods: Iterable[PeriodIn], where: str) -> tuple[tuple[int, int], ...]:
    """Validate periods and return them as sorted, merged ``(start_s, end_s)`` second offsets."""
    if isinstance(periods, (str, bytes)):
        raise ValueError(f"{where}: expected a list of (start, end) periods, not {periods!r}")
    spans: list[tuple[int, int]] = []
    for period in periods:
        if len(period) != 2:
            raise ValueError(f"{where}: a period is a (start, end) pair, not {period!r}")
        start = _parse_time(period[0], is_end=False)
        end = _parse_time(period[1], is_end=True)
        if end <= start:
            raise ValueError(f"{where}: period {period[0]}–{period[1]} ends before it starts")
        spans.append((start, end))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


def as_day_rule(value: str) -> DayRule:
    """``value`` as a day rule; ValueError when it is not one."""
    if value == "every_day":
        return "every_day"
    if value == "statutory_workdays":
        return "statutory_workdays"
    raise ValueError(f"day_rule must be 'every_day' or 'statutory_workdays', not {value!r}")


def _as_time(seconds: int) -> time:
    return _MIDNIGHT if seconds == _DAY else time(seconds // 3600, seconds // 60 % 60, seconds % 60)


def _periods_as_times(spans: tuple[tuple[int, int], ...]) -> tuple[Period, ...]:
    return tuple((_as_time(s), _as_time(e)) for s, e in spans)


@dataclass(frozen=True)
class CalendarSpec:
    """When a work calendar is open. Immutable and hashable (so schedules can be cached by spec).

    * ``weekly``: weekday (0 = Monday … 6 = Sunday) → opening periods ``(start, end)`` as local
      ``datetime.time`` (or ``"HH:MM"``); an end of ``time(0, 0)``/``"24:00"`` means midnight at the
      end of the day. Missing weekdays are closed. Overlapping periods are merged.
    * ``day_rule``: ``"every_day"`` uses each date's weekday periods and ignores statutory data
      (a 7x8 desk is open on National Day). ``"statutory_workdays"``: a date is a workday if
      ``statutory[date]`` says so, otherwise Monday–Friday are and Saturday/Sunday are not. A
      workday uses its weekday's periods; a 调休 make-up workday on a Saturday or Sunday uses
      **Monday's** periods, because the statutory data does not record which weekday it replaces
      and a full ordinary weekday is what the State Council notice means by 上班. Weekend periods
      in ``weekly`` are therefore never used by this rule. Non-workdays are closed.
    * ``statutory``: date → is_workday (``False`` for a holiday, ``True`` for a make-up day).
    * ``statutory_years``: years the statutory data covers. Under the statutory rule a date in
      another year, with no explicit ``statutory`` entry and no override, falls back to
      Monday–Friday and is *provisional*.
    * ``overrides``: date → periods (empty = closed all day). They win over both rules.
    * ``tz``: the IANA zone the wall-clock periods are in.
    """

    weekly: Mapping[int, Sequence[PeriodIn]]
    tz: str = "Asia/Shanghai"
    day_rule: DayRule = "every_day"
    statutory: Mapping[date, bool] = field(default_factory=dict)
    statutory_years: frozenset[int] = frozenset()
    overrides: Mapping[date, Sequence[PeriodIn]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if not isinstance(self.tz, str) or not self.tz:
            raise ValueError(f"tz must be an IANA zone name such as 'Asia/Shanghai', not {self.tz!r}")
        try:
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.tz!r}") from exc
        as_day_rule(self.day_rule)
        weekly: dict[int, tuple[Period, ...]] = {}
        for weekday, periods in dict(self.weekly).items():
            if not isinstance(weekday, int) or not 0 <= weekday <= 6:
                raise ValueError(f"weekly keys are weekdays 0 (Monday) to 6 (Sunday), not {weekday!r}")
            spans = _normalise_periods(periods, f"weekly[{weekday}]")
            if spans:
                weekly[weekday] = _periods_as_times(spans)
        statutory: dict[date, bool] = {}
        for day, is_workday in dict(self.statutory).items():
            if not isinstance(day, date) or isinstance(day, datetime):
                raise ValueError(f"statutory keys must be dates, not {day!r}")
            if not isinstance(is_workday, bool):
                raise ValueError(f"statutory[{day}] must be True (workday) or False (holiday)")
            statutory[day] = is_workday
        years = frozenset(self.statutory_years)
        if not all(isinstance(y, int) for y in years):
            raise ValueError("statutory_years must be integers")
        overrides: dict[date, tuple[Period, ...]] = {}
        for day, periods in dict(self.overrides).items():
            if not isinstance(day, date) or isinstance(day, datetime):
                raise ValueError(f"override keys must be dates, not {day!r}")
            overrides[day] = _periods_as_times(_normalise_periods(periods, f"overrides[{day}]"))
        set_(self, "weekly", MappingProxyType(dict(sorted(weekly.items()))))
        set_(self, "statutory", MappingProxyType(dict(sorted(statutory.items()))))
        set_(self, "statutory_years", years)
        set_(self, "overrides", MappingProxyType(dict(sorted(overrides.items()))))

    def _key(self) -> tuple[object, ...]:
        return (
            self.tz,
            self.day_rule,
            tuple(self.weekly.items()),
            tuple(self.statutory.items()),
            tuple(sorted(self.statutory_years)),
            tuple(self.overrides.items()),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CalendarSpec):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


_ALL_DAY = ((_MIDNIGHT, _MIDNIGHT),)
_OFFICE_HOURS = ((time(8, 0), time(12, 0)), (time(14, 0), time(18, 0)))

#: Always open.
SEVEN_BY_24 = CalendarSpec(weekly=dict.fromkeys(range(7), _ALL_DAY))


def seven_by_eight(tz: str = "Asia/Shanghai") -> CalendarSpec:
    """Every day including holidays, 08:00–12:00 and 14:00–18:00."""
    return CalendarSpec(weekly=dict.fromkeys(range(7), _OFFICE_HOURS), tz=tz)


def five_by_eight(
    statutory: Mapping[date, bool] | None = None,
    years: Iterable[int] = (),
    *,
    tz: str = "Asia/Shanghai",
) -> CalendarSpec:
    """Statutory workdays (holidays off, 调休 make-up days on), 08:00–12:00 and 14:00–18:00."""
    return CalendarSpec(
        weekly=dict.fromkeys(range(5), _OFFICE_HOURS),
        tz=tz,
        day_rule="statutory_workdays",
        statutory=dict(statutory or {}),
        statutory_years=frozenset(years),
    )
