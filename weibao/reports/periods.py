"""Periods of a contract's deliverables: ``2026Q3``, ``2026H2``, ``2026M07``, ``2026`` → [start, end) in
Beijing time, with their cadence. The labels are parsed by :mod:`weibao.assessments.periods`.

Pure: no Django, no database. A period is a half-open range of days ``[start, end)``; as instants it
runs from 00:00 Beijing time on ``start`` to 00:00 on ``end``. The label is what the archive, the
CLI and the URLs name a period by.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from weibao.assessments import periods as assessment_periods
from weibao.assessments.periods import BEIJING

__all__ = ["BEIJING", "CADENCES", "BadPeriod", "Period", "parse_period", "period_of", "periods_between"]

#: The cadences a contract's deliverables come in (the template's ``DeliverablePeriod``).
MONTH, QUARTER, HALF_YEAR, YEAR = "month", "quarter", "half_year", "year"
CADENCES = (MONTH, QUARTER, HALF_YEAR, YEAR)

_CADENCE_OF_MONTHS = {1: MONTH, 3: QUARTER, 6: HALF_YEAR, 12: YEAR}


class BadPeriod(ValueError):
    """A period label that is not one of ``2026Q3``, ``2026H2``, ``2026M07``, ``2026``."""


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date  # the first day after the period
    label: str
    cadence: str

    @property
    def last_day(self) -> date:
        return date.fromordinal(self.end.toordinal() - 1)

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time(), BEIJING)

    @property
    def end_at(self) -> datetime:
        return datetime.combine(self.end, time(), BEIJING)

    def overlaps(self, first: date, last: date) -> bool:
        """Whether the period shares a day with ``[first, last]`` (a contract's dates, inclusive)."""
        return self.start <= last and first < self.end


def month_start(year: int, month: int) -> date:
    """The first of ``month`` (which may run past 12 into the next years)."""
    year += (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1)


def parse_period(text: str) -> Period:
    """``2026Q3`` → the third quarter of 2026 (and ``2026H2``, ``2026M07``, ``2026``): the
    assessments' parser, read as a deliverables period."""
    try:
        parsed = assessment_periods.parse_period(text)
    except assessment_periods.PeriodError as e:
        raise BadPeriod(
            f"期间格式不对：{text!r}，应为 2026Q3、2026H2、2026M07 或 2026（2000–2100 年）"
        ) from e
    return period_of(_CADENCE_OF_MONTHS[parsed.months], parsed.start)


def period_of(cadence: str, day: date) -> Period:
    """The period of ``cadence`` that holds ``day``."""
    if cadence == MONTH:
        start = date(day.year, day.month, 1)
        return Period(start, month_start(day.year, day.month + 1), f"{day.year}M{day.month:02d}", MONTH)
    if cadence == QUARTER:
        q = (day.month - 1) // 3 + 1
        start = date(day.year, 3 * q - 2, 1)
        return Period(start, month_start(day.year, 3 * q + 1), f"{day.year}Q{q}", QUARTER)
    if cadence == HALF_YEAR:
        h = 1 if day.month <= 6 else 2
        start = date(day.year, 6 * h - 5, 1)
        return Period(start, month_start(day.year, 6 * h + 1), f"{day.year}H{h}", HALF_YEAR)
    if cadence == YEAR:
        return Period(date(day.year, 1, 1), date(day.year + 1, 1, 1), str(day.year), YEAR)
    raise BadPeriod(f"unknown cadence {cadence!r}")


def periods_between(cadence: str, first: date, last: date) -> list[Period]:
    """Every period of ``cadence`` that shares a day with ``[first, last]`` (inclusive), in order."""
    periods: list[Period] = []
    if last < first:
        return periods
    period = period_of(cadence, first)
    while period.start <= last:
        periods.append(period)
        period = period_of(cadence, period.end)
    return periods
