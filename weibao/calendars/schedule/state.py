"""Per-year open intervals and the merged, immutable snapshot a :class:`Schedule` searches."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from .zones import _COVERAGE_MARGIN, _DAY, _EPOCH_ORDINAL, _wall_epoch

#: An array of epoch seconds (or of counts of them).
_Ints = npt.NDArray[np.int64]


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
        self.np_cache: dict[str, _Ints] | None = None

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

    def arrays(self) -> dict[str, _Ints]:
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
