"""Working calendars a template declares, and the built-in ones every template may use."""

from __future__ import annotations

from itertools import pairwise

from pydantic import Field, model_validator

from .scalars import Code, Text, TimeText, _Model
from .vocabulary import DayRule, Weekday


class OpeningPeriod(_Model):
    """One opening period of a calendar day, e.g. 08:00–12:00."""

    start: TimeText
    end: TimeText
    weekdays: list[Weekday] | None = None
    """Restrict to these weekdays (default: every open day). A statutory make-up workday (调休)
    uses the periods that apply to Monday."""

    @model_validator(mode="after")
    def _ordered(self) -> OpeningPeriod:
        if self.start >= self.end:
            raise ValueError(f"start {self.start} must be before end {self.end}")
        return self


class CalendarDef(_Model):
    """A working calendar (工作日历): which days are open and the opening hours of an open day."""

    code: Code
    name: Text
    day_rule: DayRule
    periods: list[OpeningPeriod] = Field(min_length=1)
    note: str | None = None

    @model_validator(mode="after")
    def _no_overlap(self) -> CalendarDef:
        for day in Weekday:
            spans = sorted((p.start, p.end) for p in self.periods if p.weekdays is None or day in p.weekdays)
            for (_, end), (start, _) in pairwise(spans):
                if start < end:
                    raise ValueError(f"opening periods overlap on {day.value} ({start} < {end})")
        return self

    def weekly(self) -> dict[int, list[tuple[str, str]]]:
        """Opening periods by weekday (0 = Monday … 6 = Sunday), the shape the calendar engine takes.

        For ``statutory_workdays`` only Monday–Friday are listed: the statutory data decides which
        dates are open, and a make-up workday (调休) on a weekend works Monday's hours.
        """
        days = list(Weekday) if self.day_rule == DayRule.every_day else list(Weekday)[:5]
        out: dict[int, list[tuple[str, str]]] = {}
        for index, day in enumerate(days):
            spans = sorted((p.start, p.end) for p in self.periods if p.weekdays is None or day in p.weekdays)
            if spans:
                out[index] = spans
        return out


_WORKDAY_PERIODS = [OpeningPeriod(start="08:00", end="12:00"), OpeningPeriod(start="14:00", end="18:00")]

BUILTIN_CALENDARS: dict[str, CalendarDef] = {
    "7x24": CalendarDef(
        code="7x24",
        name="7×24小时（全天候）",
        day_rule=DayRule.every_day,
        periods=[OpeningPeriod(start="00:00", end="24:00")],
    ),
    "7x8": CalendarDef(
        code="7x8",
        name="7×8小时（每天含节假日 08:00–12:00、14:00–18:00）",
        day_rule=DayRule.every_day,
        periods=_WORKDAY_PERIODS,
    ),
    "5x8": CalendarDef(
        code="5x8",
        name="5×8小时（法定工作日 08:00–12:00、14:00–18:00）",
        day_rule=DayRule.statutory_workdays,
        periods=_WORKDAY_PERIODS,
    ),
}
