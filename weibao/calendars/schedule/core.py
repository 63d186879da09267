"""The :class:`Schedule`: building years on demand and the scalar arithmetic on them."""

from __future__ import annotations

import math
import threading
from bisect import bisect_left, bisect_right
from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

from weibao.calendars.durations import Duration

from .bulk import _BulkMixin
from .spec import CalendarSpec, _normalise_periods, _periods_as_times
from .state import _State, _Year
from .zones import _COVERAGE_MARGIN, _DAY, _EPOCH_ORDINAL, _transitions, _utc_year, _wall_epoch

_MIN_YEAR = 1900
_MAX_YEAR = 9000
#: A search for open time gives up when this many years past the start contain no opening.
EMPTY_SEARCH_YEARS = 10
#: Deadlines further than this from their start are refused (they are input errors, and building
#: thousands of years of intervals would let one request stall a worker).
MAX_SPAN_YEARS = 200


def _epoch(value: datetime, name: str = "datetime") -> int:
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a timezone-aware datetime, not {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} {value.isoformat()} is naive; Weibao only accepts timezone-aware datetimes")
    if not _MIN_YEAR <= value.year <= _MAX_YEAR:
        raise ValueError(f"{name} {value.isoformat()} is outside the years {_MIN_YEAR} to {_MAX_YEAR}")
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


class Schedule(_BulkMixin):
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


@lru_cache(maxsize=128)
def schedule_for(spec: CalendarSpec) -> Schedule:
    """A shared :class:`Schedule` per spec (specs are hashable), so built years are reused."""
    return Schedule(spec)
