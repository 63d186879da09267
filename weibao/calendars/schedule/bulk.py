"""The vectorised path of :class:`Schedule`: the same arithmetic on numpy arrays of epoch seconds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from .state import _Ints, _State
from .zones import _DAY, _EPOCH_ORDINAL


class _BulkMixin:
    """The numpy methods of :class:`Schedule`, which provides ``_covering`` and ``_grow``."""

    if TYPE_CHECKING:

        def _covering(self, lo: int, hi: int) -> _State: ...

        def _grow(self, state: _State, t: int, missing: int = 0) -> _State: ...

    def add_many(self, starts: npt.ArrayLike, seconds: npt.ArrayLike) -> tuple[_Ints, npt.NDArray[np.bool_]]:
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

    def _local_days(self, state: _State, t: _Ints) -> _Ints:
        if state.fixed_offset is not None:
            return (t + state.fixed_offset) // _DAY + _EPOCH_ORDINAL
        a = state.arrays()
        off = a["tr_offsets"][np.searchsorted(a["tr_times"], t, side="right") - 1]
        return (t + off) // _DAY + _EPOCH_ORDINAL

    def _provisional_many(self, state: _State, first: _Ints, last: _Ints) -> npt.NDArray[np.bool_]:
        if state.prov_cum is None:
            return np.zeros(first.shape, dtype=bool)
        pc = state.arrays()["prov_cum"]
        d1 = self._local_days(state, first) - state.day0
        d2 = self._local_days(state, last) - state.day0
        return (pc[d2 + 1] - pc[d1]) > 0

    def elapsed_many(self, starts: npt.ArrayLike, ends: npt.ArrayLike) -> _Ints:
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

    def _positions(self, state: _State, t: _Ints) -> _Ints:
        a = state.arrays()
        n = state.n
        i = np.searchsorted(a["ends"], t, side="right")
        if not n:
            return np.zeros(t.shape, dtype=np.int64)
        st = a["starts"][np.minimum(i, n - 1)]
        inside = (i < n) & (st <= t)
        return a["cum"][i] + np.where(inside, t - st, 0)
