"""Assessment periods: ``2026Q3``, ``2026H2``, ``2026M07`` and ``2026`` as half-open date ranges.

The rules:

* A period code names calendar months in Beijing time: ``2026Q3`` is 1 July to 1 October 2026,
  ``2026H2`` 1 July 2026 to 1 January 2027, ``2026M07`` July, ``2026`` the year. The range is
  half-open, ``[start, end)``: a ticket reported at 00:00 on 1 October belongs to Q4.
* A contract's assessment periods are counted from its start, as the seeds write them ("本合同签订
  之日起，甲方每半年…考核"): the contract's n-th quarter is ``[start + 3(n-1) months, start + 3n
  months)``, the last one cut at the contract's end. A contract that starts on the first day of a
  calendar quarter has contract quarters equal to calendar quarters.
* :func:`contract_sequence` answers which of the contract's periods a calendar period is: the one
  that contains the calendar period's first day (None outside the contract).

Pure Python: no Django, no database.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")
_CODE = re.compile(r"^\s*(\d{4})(?:(Q)([1-4])|(H)([12])|(M)(0[1-9]|1[0-2]))?\s*$", re.IGNORECASE)
#: Months of each kind of assessment period in the contract templates' vocabulary.
KIND_MONTHS = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}


class PeriodError(ValueError):
    """A period code that is none of ``2026Q3``, ``2026H2``, ``2026M07``, ``2026``."""


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months``, clamped to the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


@dataclass(frozen=True)
class Period:
    """A half-open range of days ``[start, end)`` with its code."""

    code: str
    start: date
    end: date

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month

    @property
    def last_day(self) -> date:
        return date.fromordinal(self.end.toordinal() - 1)

    def bounds(self, tz: ZoneInfo = BEIJING) -> tuple[datetime, datetime]:
        """The range as aware instants: midnight of ``start`` and of ``end`` in Beijing time."""
        return datetime.combine(self.start, time(0), tz), datetime.combine(self.end, time(0), tz)

    def contains(self, at: datetime, tz: ZoneInfo = BEIJING) -> bool:
        lo, hi = self.bounds(tz)
        return lo <= at < hi

    def label(self) -> str:
        """How the period reads in Chinese: 2026年第3季度, 2026年下半年, 2026年7月, 2026年度."""
        year = self.code[:4]
        kind = self.code[4:5].upper()
        if kind == "Q":
            return f"{year}年第{self.code[5]}季度"
        if kind == "H":
            return f"{year}年{'上' if self.code[5] == '1' else '下'}半年"
        if kind == "M":
            return f"{year}年{int(self.code[5:])}月"
        if kind == "":
            return f"{year}年度"
        return f"{self.start.isoformat()} 至 {self.last_day.isoformat()}"


def parse_period(text: str) -> Period:
    """``2026Q3`` → 2026-07-01 … 2026-10-01; raises :class:`PeriodError` on anything else."""
    match = _CODE.match(text or "")
    if not match:
        raise PeriodError(f"malformed period {text!r}: expected 2026Q3, 2026H2, 2026M07 or 2026")
    year = int(match.group(1))
    if not 2000 <= year <= 2100:
        raise PeriodError(f"period year {year} is out of range")
    if match.group(2):
        n = int(match.group(3))
        start, months, code = date(year, 3 * n - 2, 1), 3, f"{year}Q{n}"
    elif match.group(4):
        n = int(match.group(5))
        start, months, code = date(year, 6 * n - 5, 1), 6, f"{year}H{n}"
    elif match.group(6):
        n = int(match.group(7))
        start, months, code = date(year, n, 1), 1, f"{year}M{n:02d}"
    else:
        start, months, code = date(year, 1, 1), 12, str(year)
    return Period(code, start, add_months(start, months))


def contract_periods(start: date, last_day: date, months: int) -> list[Period]:
    """The contract's assessment periods of ``months`` each from ``start`` to ``last_day``
    (inclusive), the last one cut at the contract's end. Codes are ``P1``, ``P2``, …"""
    if months < 1:
        raise PeriodError("a period has at least one month")
    out: list[Period] = []
    end = date.fromordinal(last_day.toordinal() + 1)
    n = 0
    while True:
        lo = add_months(start, months * n)
        if lo >= end:
            return out
        hi = min(add_months(start, months * (n + 1)), end)
        out.append(Period(f"P{n + 1}", lo, hi))
        n += 1


def contract_sequence(period: Period, start: date, last_day: date, months: int) -> int | None:
    """Which of the contract's periods (1-based) contains ``period``'s first day."""
    for n, p in enumerate(contract_periods(start, last_day, months), start=1):
        if p.start <= period.start < p.end:
            return n
    return None


def period_for_sequence(sequence: int, start: date, last_day: date, months: int) -> Period | None:
    """The contract's ``sequence``-th period, with a calendar code when it is one."""
    periods = contract_periods(start, last_day, months)
    if not 1 <= sequence <= len(periods):
        return None
    p = periods[sequence - 1]
    return Period(calendar_code(p.start, p.end) or p.code, p.start, p.end)


def calendar_code(start: date, end: date) -> str | None:
    """The calendar code of ``[start, end)`` when it is a calendar month, quarter, half or year."""
    if start.day != 1:
        return None
    for code in (
        f"{start.year}M{start.month:02d}",
        f"{start.year}Q{(start.month + 2) // 3}",
        f"{start.year}H{1 if start.month <= 6 else 2}",
        str(start.year),
    ):
        p = parse_period(code)
        if (p.start, p.end) == (start, end):
            return code
    return None
