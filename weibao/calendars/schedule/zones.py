"""Zone offsets and the conversions between UTC epoch seconds, wall-clock epochs and years."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

_DAY = 86400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()  # 719163
_SAMPLE_STEP = 6 * 3600  # zone offsets are sampled this often to find DST transitions
_COVERAGE_MARGIN = 2 * _DAY  # larger than any UTC offset, so wall dates and UTC years line up


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


def _wall_epoch(year: int) -> int:
    """Local wall-clock 1 January 00:00 of ``year`` written as if it were UTC epoch seconds."""
    return (date(year, 1, 1).toordinal() - _EPOCH_ORDINAL) * _DAY


def _utc_year(t: int) -> int:
    return date.fromordinal(t // _DAY + _EPOCH_ORDINAL).year
