"""The 12-week trend chart as server-rendered SVG geometry: no chart library, no script.

Bars for the tickets opened and closed each week (left axis, counts) and a line for the SLA
compliance % (right axis, 0–100). The template draws the shapes this returns; a table of the same
figures sits behind the chart for screen readers and for anyone who wants the numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 36, 36, 12, 28


class WeekLike(Protocol):
    @property
    def opened(self) -> int: ...
    @property
    def closed(self) -> int: ...
    @property
    def percent(self) -> float | None: ...
    @property
    def label(self) -> str: ...


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: float


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    opened: list[Bar]
    closed: list[Bar]
    line: str  # the polyline's points ("x,y x,y …")
    points: list[Point]
    ticks: list[Tick]
    max_count: int
    left: int = LEFT
    right_x: int = WIDTH - RIGHT
    top: int = TOP
    base: int = HEIGHT - BOTTOM
    mid: float = TOP + (HEIGHT - BOTTOM - TOP) / 2


def _nice(n: int) -> int:
    """The smallest of 1, 2, 5 × 10^k at least ``n`` (the count axis' top)."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if m * step >= n:
                return m * step
        step *= 10


def trend_chart(weeks: Sequence[WeekLike]) -> Chart:
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    base = HEIGHT - BOTTOM
    top_count = _nice(max([1, *(w.opened for w in weeks), *(w.closed for w in weeks)]))
    slot = plot_w / max(1, len(weeks))
    bar_w = slot * 0.35
    opened: list[Bar] = []
    closed: list[Bar] = []
    points: list[Point] = []
    ticks: list[Tick] = []
    for i, w in enumerate(weeks):
        x0 = LEFT + i * slot + slot * 0.13
        for value, x, bars in ((w.opened, x0, opened), (w.closed, x0 + bar_w, closed)):
            h = plot_h * value / top_count
            bars.append(Bar(round(x, 1), round(base - h, 1), round(bar_w, 1), round(h, 1), value))
        centre = LEFT + i * slot + slot / 2
        ticks.append(Tick(round(centre, 1), w.label))
        if w.percent is not None:
            points.append(Point(round(centre, 1), round(base - plot_h * w.percent / 100, 1), w.percent))
    line = " ".join(f"{p.x},{p.y}" for p in points)
    return Chart(WIDTH, HEIGHT, opened, closed, line, points, ticks, top_count)
