"""A probe's history as server-drawn SVG geometry: no chart library, no script.

The service desk's trend chart (:mod:`weibao.servicedesk.charts`) draws weekly bars of counts;
a probe's history is a time series, so it gets its own small drawing in the same manner: a line
of the response time (left axis, ms) over the window, and under it a strip of the state of each
sample (raw run or hourly aggregate's worst state), coloured as the list colours states. The
template draws the shapes; a table of the same figures sits behind it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 44
STRIP = 10  # the state strip's height, under the plot

CSS = {0: "ok", 1: "warn", 2: "crit", 3: "unknown"}


@dataclass(frozen=True)
class Sample:
    """One point of the history: when, the state (Nagios number), the response time in ms."""

    at: datetime
    state: int
    duration_ms: float


@dataclass(frozen=True)
class Cell:
    x: float
    width: float
    css: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    line: str  # the polyline's points ("x,y x,y …")
    cells: list[Cell]
    ticks: list[Tick]
    max_ms: int
    samples: int
    left: int = LEFT
    right_x: int = WIDTH - RIGHT
    top: int = TOP
    base: int = HEIGHT - BOTTOM
    strip_y: int = HEIGHT - BOTTOM + 4
    strip_h: int = STRIP


def _nice(n: float) -> int:
    """The smallest of 1, 2, 5 × 10^k at least ``n`` (the time axis' top)."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if m * step >= n:
                return m * step
        step *= 10


def history_chart(
    samples: Sequence[Sample], *, start: datetime, end: datetime, tick_every: timedelta, tick_format: str
) -> Chart:
    """The chart of ``samples`` (in time order) over ``start``..``end``; ticks every ``tick_every``
    labelled with ``tick_format`` (a strftime format, in the samples' time zone)."""
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    span = max((end - start).total_seconds(), 1.0)
    max_ms = _nice(max((s.duration_ms for s in samples), default=1.0) or 1.0)

    def x_of(at: datetime) -> float:
        return round(LEFT + plot_w * min(max((at - start).total_seconds() / span, 0.0), 1.0), 1)

    points = [
        f"{x_of(s.at)},{round(TOP + plot_h - plot_h * min(s.duration_ms / max_ms, 1.0), 1)}" for s in samples
    ]
    cells = []
    for i, s in enumerate(samples):
        x = x_of(s.at)
        nxt = x_of(samples[i + 1].at) if i + 1 < len(samples) else min(x + 4, float(LEFT + plot_w))
        cells.append(Cell(x=x, width=round(max(nxt - x, 1.0), 1), css=CSS.get(s.state, "unknown")))
    ticks = []
    t = start
    while t <= end:
        ticks.append(Tick(x=x_of(t), label=t.strftime(tick_format)))
        t += tick_every
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        line=" ".join(points),
        cells=cells,
        ticks=ticks,
        max_ms=max_ms,
        samples=len(samples),
    )
