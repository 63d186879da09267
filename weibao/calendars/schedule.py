"""Business-time arithmetic on work calendars, exact to the second.

A :class:`CalendarSpec` says when a calendar is open: weekly opening periods in local wall-clock
time, a day rule (every day, or Chinese statutory workdays with 调休 make-up days), statutory
exceptions and dated overrides. A :class:`Schedule` turns a spec into open intervals in UTC epoch
seconds with cumulative open-seconds, so that adding a duration or measuring elapsed open time is
two binary searches. Years are built lazily and on demand, so any year from 1900 on works.

Definitions that the rest of Weibao relies on:

* An instant ``t`` is *open* when the local wall clock at ``t`` (in the calendar's zone) shows a
  time inside an opening period of the local date of ``t``. This is the only definition; the DST
  behaviour follows from it: a 01:00–04:00 period is 2 real hours on a spring-forward day and 4 on
  a fall-back day, and a period inside a skipped hour is simply not there.
* Intervals are half-open ``[start, end)``; touching or overlapping intervals are merged, so 7x24
  is one continuous interval and midnight is not a boundary.
* Instants are handled at whole-second resolution: sub-second parts of inputs are dropped
  (floored), results are whole seconds.
"""

from __future__ import annotations

import math
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from types import MappingProxyType
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from weibao.calendars.durations import Duration

__all__ = [
    "SEVEN_BY_24",
    "CalendarSpec",
    "Schedule",
    "five_by_eight",
    "schedule_for",
    "seven_by_eight",
]

DayRule = Literal["every_day", "statutory_workdays"]
Period = tuple[time, time]

_DAY = 86400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()  # 719163
_MIN_YEAR = 1900
_MAX_YEAR = 9000
#: A search for open time gives up when this many years past the start contain no opening.
EMPTY_SEARCH_YEARS = 10
#: Deadlines further than this from their start are refused (they are input errors, and building
#: thousands of years of intervals would let one request stall a worker).
MAX_SPAN_YEARS = 200
_SAMPLE_STEP = 6 * 3600  # zone offsets are sampled this often to find DST transitions
_COVERAGE_MARGIN = 2 * _DAY  # larger than any UTC offset, so wall dates and UTC years line up
_MIDNIGHT = time(0, 0)


# --------------------------------------------------------------------------------------------
# The spec
# --------------------------------------------------------------------------------------------


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


def _normalise_periods(periods: Iterable[Sequence[time | str]], where: str) -> tuple[tuple[int, int], ...]:
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

    weekly: Mapping[int, Sequence[Period]]
    tz: str = "Asia/Shanghai"
    day_rule: DayRule = "every_day"
    statutory: Mapping[date, bool] = field(default_factory=dict)
    statutory_years: frozenset[int] = frozenset()
    overrides: Mapping[date, Sequence[Period]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if not isinstance(self.tz, str) or not self.tz:
            raise ValueError(f"tz must be an IANA zone name such as 'Asia/Shanghai', not {self.tz!r}")
        try:
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.tz!r}") from exc
        if self.day_rule not in ("every_day", "statutory_workdays"):
            raise ValueError(f"day_rule must be 'every_day' or 'statutory_workdays', not {self.day_rule!r}")
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

    def _key(self) -> tuple:
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


# --------------------------------------------------------------------------------------------
# Zone offsets
# --------------------------------------------------------------------------------------------


def _offset(zone: ZoneInfo, t: int) -> int:
    off = datetime.fromtimestamp(t, zone).utcoffset()
    assert off is not None
    return off.days * _DAY + off.seconds  # whole seconds; zone offsets have no microseconds


def _transitions(zone: ZoneInfo, lo: int, hi: int) -> tuple[int, list[tuple[int, int]]]:
    """The offset at ``lo`` and every ``(instant, new_offset)`` change in ``(lo, hi]``.

    Offsets are sampled every six hours and each change is pinned to the second by bisection
    (repeated, so two changes between samples are both found). tzdata has no pair of changes
    that cancel out within six hours.
    """
    base = _offset(zone, lo)
    changes: list[tuple[int, int]] = []
    prev_t, prev_off = lo, base
    t = lo
    while t < hi:
        t = min(t + _SAMPLE_STEP, hi)
        off = _offset(zone, t)
        while off != prev_off:
            a, b = prev_t, t  # offset(a) == prev_off, offset(b) != prev_off
            while b - a > 1:
                mid = (a + b) // 2
                if _offset(zone, mid) == prev_off:
                    a = mid
                else:
                    b = mid
            prev_t, prev_off = b, _offset(zone, b)
            changes.append((b, prev_off))
        prev_t = t
    return base, changes


# --------------------------------------------------------------------------------------------
# Per-year data and the merged state
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Year:
    intervals: list[tuple[int, int]]  # UTC [start, end), sorted, not yet merged with neighbours
    workdays: list[tuple[int, int]]  # (date ordinal, closing instant) for days with any opening
    provisional: bytes  # one flag per day of the year
    base_offset: int
    transitions: list[tuple[int, int]]


class _State:
    """An immutable snapshot of everything built so far; replaced as a whole when extended."""

    __slots__ = (
        "cov_hi",
        "cov_lo",
        "cum",
        "cum_end",
        "day0",
        "ends",
        "fixed_offset",
        "last_open_year",
        "n",
        "np_cache",
        "prov_cum",
        "starts",
        "total",
        "tr_offsets",
        "tr_times",
        "wd_close",
        "wd_ord",
        "y_hi",
        "y_lo",
    )

    def __init__(self, years: dict[int, _Year], y_lo: int, y_hi: int, statutory: bool) -> None:
        self.y_lo, self.y_hi = y_lo, y_hi
        self.cov_lo = _wall_epoch(y_lo) + _COVERAGE_MARGIN
        self.cov_hi = _wall_epoch(y_hi + 1) - _COVERAGE_MARGIN
        raw: list[tuple[int, int]] = []
        wd: list[tuple[int, int]] = []
        prov = bytearray()
        trans: dict[int, int] = {}
        last_open_year = None
        for y in range(y_lo, y_hi + 1):
            data = years[y]
            raw.extend(data.intervals)
            wd.extend(data.workdays)
            prov += data.provisional
            trans.update(data.transitions)
            if data.intervals:
                last_open_year = y
        self.last_open_year = last_open_year
        raw.sort()
        starts: list[int] = []
        ends: list[int] = []
        for s, e in raw:
            if ends and s <= ends[-1]:
                if e > ends[-1]:
                    ends[-1] = e
            else:
                starts.append(s)
                ends.append(e)
        cum = [0] * (len(starts) + 1)
        acc = 0
        for k, (s, e) in enumerate(zip(starts, ends, strict=True)):
            acc += e - s
            cum[k + 1] = acc
        self.starts, self.ends, self.cum, self.cum_end = starts, ends, cum, cum[1:]
        self.n, self.total = len(starts), acc
        self.wd_ord = [o for o, _ in wd]
        self.wd_close = [c for _, c in wd]
        self.day0 = date(y_lo, 1, 1).toordinal()
        if statutory and any(prov):
            pc = [0] * (len(prov) + 1)
            run = 0
            for k, flag in enumerate(prov):
                run += flag
                pc[k + 1] = run
            self.prov_cum: list[int] | None = pc
        else:
            self.prov_cum = None
        first = years[y_lo]
        tr_times = [_wall_epoch(y_lo) - _COVERAGE_MARGIN]
        tr_offsets = [first.base_offset]
        for t, off in sorted(trans.items()):
            if t > tr_times[-1] and off != tr_offsets[-1]:
                tr_times.append(t)
                tr_offsets.append(off)
        self.tr_times, self.tr_offsets = tr_times, tr_offsets
        self.fixed_offset = tr_offsets[0] if len(tr_offsets) == 1 else None
        self.np_cache: dict[str, np.ndarray] | None = None

    def offset_at(self, t: int) -> int:
        if self.fixed_offset is not None:
            return self.fixed_offset
        return self.tr_offsets[bisect_right(self.tr_times, t) - 1]

    def local_ordinal(self, t: int) -> int:
        return (t + self.offset_at(t)) // _DAY + _EPOCH_ORDINAL

    def position(self, t: int) -> tuple[int, int]:
        """Cumulative open seconds before ``t`` (relative to the built range) and the index of the
        first interval ending after ``t``."""
        i = bisect_right(self.ends, t)
        if i < self.n:
            s = self.starts[i]
            if s <= t:
                return self.cum[i] + t - s, i
        return self.cum[i], i

    def arrays(self) -> dict[str, np.ndarray]:
        cache = self.np_cache
        if cache is None:
            cache = {
                "starts": np.asarray(self.starts, dtype=np.int64),
                "ends": np.asarray(self.ends, dtype=np.int64),
                "cum": np.asarray(self.cum, dtype=np.int64),
                "tr_times": np.asarray(self.tr_times, dtype=np.int64),
                "tr_offsets": np.asarray(self.tr_offsets, dtype=np.int64),
            }
            cache["cum_end"] = cache["cum"][1:]
            if self.prov_cum is not None:
                cache["prov_cum"] = np.asarray(self.prov_cum, dtype=np.int64)
            self.np_cache = cache
        return cache


def _wall_epoch(year: int) -> int:
    """Local wall-clock 1 January 00:00 of ``year`` written as if it were UTC epoch seconds."""
    return (date(year, 1, 1).toordinal() - _EPOCH_ORDINAL) * _DAY


def _utc_year(t: int) -> int:
    return date.fromordinal(t // _DAY + _EPOCH_ORDINAL).year


def _epoch(value: datetime, name: str = "datetime") -> int:
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a timezone-aware datetime, not {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} {value.isoformat()} is naive; Weibao only accepts timezone-aware datetimes")
    ts = value.timestamp()
    t = int(ts)
    return t - 1 if t > ts else t


def _seconds(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"a duration must be a whole number of seconds, not {value!r}")
    value = int(value)
    if value < 0:
        raise ValueError(f"a duration cannot be negative ({value} s)")
    return value


# --------------------------------------------------------------------------------------------
# The schedule
# --------------------------------------------------------------------------------------------


class Schedule:
    """Open intervals of a :class:`CalendarSpec` and the arithmetic on them.

    Thread-safe: the built data is an immutable snapshot swapped in under a lock when a new year
    is needed; readers take the snapshot once per call.
    """

    def __init__(self, spec: CalendarSpec) -> None:
        self.spec = spec
        self.zone = ZoneInfo(spec.tz)
        self._statutory_rule = spec.day_rule == "statutory_workdays"
        self._weekly = [_normalise_periods(spec.weekly.get(wd, ()), "") for wd in range(7)]
        self._overrides = {d: _normalise_periods(p, "") for d, p in spec.overrides.items()}
        self._statutory = dict(spec.statutory)
        self._years_covered = spec.statutory_years
        self._years: dict[int, _Year] = {}
        self._lock = threading.Lock()
        self._state: _State | None = None

    def __repr__(self) -> str:
        return f"Schedule({self.spec.tz}, {self.spec.day_rule}, weekly={dict(self.spec.weekly)})"

    # -- building ------------------------------------------------------------------------------

    def _day(self, ordinal: int) -> tuple[tuple[tuple[int, int], ...], bool]:
        """Opening periods (seconds after local midnight) of a local date, and whether the
        answer is provisional (statutory rule, year without data, no explicit entry)."""
        day = date.fromordinal(ordinal)
        override = self._overrides.get(day)
        if override is not None:
            return override, False
        weekday = (ordinal + 6) % 7
        if not self._statutory_rule:
            return self._weekly[weekday], False
        is_workday = self._statutory.get(day)
        provisional = False
        if is_workday is None:
            provisional = day.year not in self._years_covered
            is_workday = weekday < 5
        if not is_workday:
            return (), provisional
        # A make-up workday on a weekend works Monday's hours (see CalendarSpec).
        return self._weekly[weekday if weekday < 5 else 0], provisional

    def _build_year(self, year: int) -> _Year:
        w0, w1 = _wall_epoch(year), _wall_epoch(year + 1)
        base, changes = _transitions(self.zone, w0 - _COVERAGE_MARGIN, w1 + _COVERAGE_MARGIN)
        pieces: list[tuple[int, int, int]] = []  # UTC [a, b) with constant offset
        a, off = w0 - _COVERAGE_MARGIN, base
        for t, new_off in changes:
            pieces.append((a, t, off))
            a, off = t, new_off
        pieces.append((a, w1 + _COVERAGE_MARGIN, off))
        single = pieces[0][2] if len(pieces) == 1 else None
        intervals: list[tuple[int, int]] = []
        workdays: list[tuple[int, int]] = []
        d0, d1 = date(year, 1, 1).toordinal(), date(year + 1, 1, 1).toordinal()
        provisional = bytearray(d1 - d0)
        for ordinal in range(d0, d1):
            periods, prov = self._day(ordinal)
            if prov:
                provisional[ordinal - d0] = 1
            if not periods:
                continue
            wall = (ordinal - _EPOCH_ORDINAL) * _DAY
            close = None
            for s, e in periods:
                if single is not None:
                    intervals.append((wall + s - single, wall + e - single))
                    close = wall + e - single
                    continue
                # Instants whose wall clock reads inside [s, e): per constant-offset piece.
                for pa, pb, poff in pieces:
                    lo, hi = max(wall + s - poff, pa), min(wall + e - poff, pb)
                    if lo < hi:
                        intervals.append((lo, hi))
                        if close is None or hi > close:
                            close = hi
            if close is not None:
                workdays.append((ordinal, close))
        intervals.sort()
        return _Year(intervals, workdays, bytes(provisional), base, changes)

    def _rebuild(self, y_lo: int, y_hi: int) -> _State:
        with self._lock:
            state = self._state
            if state is not None:
                if state.y_lo <= y_lo and y_hi <= state.y_hi:
                    return state
                y_lo, y_hi = min(y_lo, state.y_lo), max(y_hi, state.y_hi)
            if y_lo < _MIN_YEAR or y_hi > _MAX_YEAR:
                raise ValueError(f"dates are supported from {_MIN_YEAR} to {_MAX_YEAR}")
            for y in range(y_lo, y_hi + 1):
                if y not in self._years:
                    self._years[y] = self._build_year(y)
            state = _State(self._years, y_lo, y_hi, self._statutory_rule)
            self._state = state
            return state

    def _covering(self, lo: int, hi: int) -> _State:
        state = self._state
        if state is not None and state.cov_lo <= lo and hi <= state.cov_hi:
            return state
        return self._rebuild(_utc_year(lo - _COVERAGE_MARGIN - _DAY), _utc_year(hi + _COVERAGE_MARGIN + _DAY))

    def _grow(self, state: _State, t: int, missing: int = 0) -> _State:
        """Build further years after ``state`` because a search from ``t`` ran off its end."""
        start_year = _utc_year(t)
        searched_from = max(start_year, state.last_open_year or start_year)
        if state.y_hi - searched_from >= EMPTY_SEARCH_YEARS:
            raise ValueError(
                f"the calendar has no opening hours in the {EMPTY_SEARCH_YEARS} years after "
                f"{self._dt(t).isoformat()}"
            )
        if state.y_hi - start_year >= MAX_SPAN_YEARS:
            raise ValueError(
                f"the deadline lies more than {MAX_SPAN_YEARS} years after {self._dt(t).isoformat()}"
            )
        step = 1
        years_built = state.y_hi - state.y_lo + 1
        if missing > 0 and state.total > 0:
            step = max(1, min(MAX_SPAN_YEARS, math.ceil(missing * years_built / state.total)))
        return self._rebuild(state.y_lo, state.y_hi + step)

    # -- epoch-second core ---------------------------------------------------------------------

    def _dt(self, t: int) -> datetime:
        return datetime.fromtimestamp(t, self.zone)

    def _add(self, t: int, seconds: int) -> tuple[int, _State]:
        state = self._covering(t, t)
        while True:
            if seconds == 0:
                i = bisect_right(state.ends, t)
                if i < state.n:
                    s = state.starts[i]
                    due = t if s <= t else s
                    if due <= state.cov_hi:
                        return due, state
                state = self._grow(state, t)
                continue
            pos, _ = state.position(t)
            target = pos + seconds
            j = bisect_left(state.cum_end, target)
            if j < state.n:
                due = state.starts[j] + target - state.cum[j]
                if due <= state.cov_hi:
                    return due, state
            state = self._grow(state, t, target - state.total)

    def _provisional(self, state: _State, first_day: int, last_day: int) -> bool:
        pc = state.prov_cum
        if pc is None:
            return False
        return pc[last_day - state.day0 + 1] - pc[first_day - state.day0] > 0

    def _add_workdays(self, t: int, n: int) -> tuple[int, bool]:
        state = self._covering(t, t)
        day = state.local_ordinal(t)
        while True:
            k = bisect_right(state.wd_ord, day) + n - 1
            if k < len(state.wd_ord):
                due = state.wd_close[k]
                break
            state = self._grow(state, t)
        state = self._covering(t, due)
        return due, self._provisional(state, day, state.local_ordinal(due - 1))

    # -- public API ----------------------------------------------------------------------------

    def add(self, start: datetime, seconds: int) -> tuple[datetime, bool]:
        """The earliest instant at which open time since ``start`` reaches ``seconds``.

        Counting begins at the next opening if ``start`` is closed; a due that falls exactly on a
        period's end stays there. ``add(start, 0)`` is ``start`` if open, else the next opening.
        Returns ``(due in the calendar's zone, provisional)``.
        """
        t = _epoch(start, "start")
        seconds = _seconds(seconds)
        due, state = self._add(t, seconds)
        provisional = False
        if state.prov_cum is not None:
            last = due - 1 if seconds else due
            provisional = self._provisional(state, state.local_ordinal(t), state.local_ordinal(last))
        return datetime.fromtimestamp(due, self.zone), provisional

    def add_workdays(self, start: datetime, n: int) -> tuple[datetime, bool]:
        """ "N个工作日": the closing time (end of the last period) of the ``n``-th day with any
        opening strictly after the local day of ``start``. Returns ``(due, provisional)``."""
        t = _epoch(start, "start")
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"a working-day count must be a positive integer, not {n!r}")
        due, provisional = self._add_workdays(t, n)
        return datetime.fromtimestamp(due, self.zone), provisional

    def add_duration(self, start: datetime, duration: Duration) -> tuple[datetime, bool]:
        """Add a parsed :class:`~weibao.calendars.durations.Duration` (``90m``, ``2d``, ``3wd`` …)."""
        if duration.is_workdays:
            return self.add_workdays(start, duration.workdays)
        return self.add(start, duration.seconds)

    def elapsed(self, start: datetime, end: datetime) -> int:
        """Seconds of open time in ``[start, end)``; 0 if ``end <= start``."""
        s, e = _epoch(start, "start"), _epoch(end, "end")
        if e <= s:
            return 0
        state = self._covering(s, e)
        return state.position(e)[0] - state.position(s)[0]

    def is_open(self, t: datetime) -> bool:
        """Whether the calendar is open at ``t``."""
        e = _epoch(t, "t")
        state = self._covering(e, e)
        i = bisect_right(state.ends, e)
        return i < state.n and state.starts[i] <= e

    def next_open(self, t: datetime) -> datetime:
        """``t`` itself if open, else the next opening."""
        due, _ = self._add(_epoch(t, "t"), 0)
        return datetime.fromtimestamp(due, self.zone)

    def next_workday_appointment(self, t: datetime) -> tuple[datetime, bool]:
        """The "法定工作日预约" target: the next opening (``t`` itself if open), with the
        provisional flag."""
        return self.add(t, 0)

    def provisional_between(self, start: datetime, end: datetime) -> bool:
        """Whether any local day from ``start``'s to ``end``'s (inclusive) is provisional."""
        s, e = _epoch(start, "start"), _epoch(end, "end")
        if e < s:
            s, e = e, s
        if not self._statutory_rule:
            return False
        state = self._covering(s, e)
        return self._provisional(state, state.local_ordinal(s), state.local_ordinal(e))

    def day_periods(self, day: date) -> tuple[tuple[time, time], ...]:
        """The local opening periods that apply to ``day`` after all rules (``time(0, 0)`` as an
        end means 24:00)."""
        return _periods_as_times(self._day(day.toordinal())[0])

    def is_provisional_day(self, day: date) -> bool:
        """Whether ``day``'s opening hours are a weekday fallback for a year without data."""
        return self._day(day.toordinal())[1]

    def open_intervals(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """Open intervals overlapping ``[start, end)``, clipped to it, in the calendar's zone."""
        s, e = _epoch(start, "start"), _epoch(end, "end")
        if e <= s:
            return []
        state = self._covering(s, e)
        out = []
        i = bisect_right(state.ends, s)
        while i < state.n and state.starts[i] < e:
            out.append((self._dt(max(s, state.starts[i])), self._dt(min(e, state.ends[i]))))
            i += 1
        return out

    # -- bulk ----------------------------------------------------------------------------------

    def add_many(self, starts: np.ndarray, seconds: np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
        """Vectorised :meth:`add` on UTC epoch seconds.

        ``starts`` and ``seconds`` are int64 arrays (or a scalar ``seconds``), broadcast together.
        Returns ``(due_epochs, provisional)``: an int64 array and a bool array, identical to what
        :meth:`add` gives element by element.
        """
        t, d = np.broadcast_arrays(np.asarray(starts, dtype=np.int64), np.asarray(seconds, dtype=np.int64))
        t, d = t.ravel(), d.ravel()
        shape = np.broadcast_shapes(np.shape(starts), np.shape(seconds))
        if t.size == 0:
            return np.zeros(shape, dtype=np.int64), np.zeros(shape, dtype=bool)
        if (d < 0).any():
            raise ValueError("durations cannot be negative")
        t_min, t_max = int(t.min()), int(t.max())
        state = self._covering(t_min, t_max)
        zero = d == 0
        while True:
            a = state.arrays()
            n = state.n
            i = np.searchsorted(a["ends"], t, side="right")
            ok = i < n
            ic = np.minimum(i, max(n - 1, 0))
            st = a["starts"][ic] if n else np.zeros_like(t)
            inside = ok & (st <= t)
            pos = a["cum"][i] + np.where(inside, t - st, 0)
            target = pos + d
            j = np.searchsorted(a["cum_end"], target, side="left")
            ok &= j < n
            jc = np.minimum(j, max(n - 1, 0))
            if n:
                due = np.where(zero, np.where(inside, t, st), a["starts"][jc] + target - a["cum"][jc])
            else:
                due = t.copy()
            ok &= due <= state.cov_hi
            if ok.all():
                break
            bad = ~ok
            worst = int(t[bad].max())
            missing = int((target[bad] - state.total).max())
            state = self._grow(state, worst, missing)
        provisional = self._provisional_many(state, t, np.where(zero, due, due - 1))
        return due.reshape(shape), provisional.reshape(shape)

    def _local_days(self, state: _State, t: np.ndarray) -> np.ndarray:
        if state.fixed_offset is not None:
            return (t + state.fixed_offset) // _DAY + _EPOCH_ORDINAL
        a = state.arrays()
        off = a["tr_offsets"][np.searchsorted(a["tr_times"], t, side="right") - 1]
        return (t + off) // _DAY + _EPOCH_ORDINAL

    def _provisional_many(self, state: _State, first: np.ndarray, last: np.ndarray) -> np.ndarray:
        if state.prov_cum is None:
            return np.zeros(first.shape, dtype=bool)
        pc = state.arrays()["prov_cum"]
        d1 = self._local_days(state, first) - state.day0
        d2 = self._local_days(state, last) - state.day0
        return (pc[d2 + 1] - pc[d1]) > 0

    def elapsed_many(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`elapsed` on UTC epoch seconds (0 where ``end <= start``)."""
        s, e = np.broadcast_arrays(np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64))
        if s.size == 0:
            return np.zeros(s.shape, dtype=np.int64)
        valid = e > s
        lo = int(np.minimum(s, e).min())
        hi = int(np.maximum(s, e).max())
        state = self._covering(lo, hi)
        result = self._positions(state, e) - self._positions(state, s)
        return np.where(valid, result, 0)

    def _positions(self, state: _State, t: np.ndarray) -> np.ndarray:
        a = state.arrays()
        n = state.n
        i = np.searchsorted(a["ends"], t, side="right")
        if not n:
            return np.zeros(t.shape, dtype=np.int64)
        st = a["starts"][np.minimum(i, n - 1)]
        inside = (i < n) & (st <= t)
        return a["cum"][i] + np.where(inside, t - st, 0)


@lru_cache(maxsize=128)
def schedule_for(spec: CalendarSpec) -> Schedule:
    """A shared :class:`Schedule` per spec (specs are hashable), so built years are reused."""
    return Schedule(spec)
