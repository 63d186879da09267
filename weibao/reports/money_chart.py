"""The year chart as server-rendered SVG geometry (no chart library, no script), drawn like the
service desk's 12-week trend: per month two bars, deductions and payments, on one yuan axis.

Each bar carries its value, and the template writes it in the bar's ``<title>`` (a tooltip and
what a screen reader says); the table of the same figures sits under the chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 12, 28


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: Decimal
    month: int


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class YearChart:
    width: int
    height: int
    deductions: list[Bar]
    payments: list[Bar]
    ticks: list[Tick]
    top_value: Decimal
    left: int = LEFT
    right_x: int = WIDTH - RIGHT
    top: int = TOP
    base: int = HEIGHT - BOTTOM
    mid: float = TOP + (HEIGHT - BOTTOM - TOP) / 2


def nice_top(value: Decimal) -> Decimal:
    """The smallest of 1, 2, 5 × 10^k yuan at least ``value`` (the axis' top; 1 when all is 0)."""
    step = Decimal(1)
    while True:
        for m in (1, 2, 5):
            if m * step >= value:
                return m * step
        step *= 10


def year_chart(deductions: Sequence[Decimal], payments: Sequence[Decimal]) -> YearChart:
    """Twelve months of deductions and payments (yuan) as bars."""
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    base = HEIGHT - BOTTOM
    top_value = nice_top(max([Decimal(1), *deductions, *payments]))
    slot = plot_w / 12
    bar_w = slot * 0.38
    out: dict[str, list[Bar]] = {"deductions": [], "payments": []}
    ticks = []
    for i in range(12):
        x0 = LEFT + i * slot + slot * 0.12
        for n, (name, values) in enumerate((("deductions", deductions), ("payments", payments))):
            value = Decimal(values[i])
            h = float(plot_h * value / top_value)
            out[name].append(
                Bar(round(x0 + n * bar_w, 1), round(base - h, 1), round(bar_w, 1), round(h, 1), value, i + 1)
            )
        ticks.append(Tick(round(LEFT + i * slot + slot / 2, 1), _("%(m)d月") % {"m": i + 1}))
    return YearChart(WIDTH, HEIGHT, out["deductions"], out["payments"], ticks, top_value)
