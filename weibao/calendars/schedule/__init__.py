"""Business-time arithmetic on work calendars, exact to the second.

A :class:`CalendarSpec` says when a calendar is open: weekly opening periods in local wall-clock
time, a day rule (every day, or Chinese statutory workdays with 调休 make-up days), statutory
exceptions and dated overrides. A :class:`Schedule` turns a spec into open intervals in UTC epoch
seconds with cumulative open-seconds, so that adding a duration or measuring elapsed open time is
two binary searches. Years are built lazily and on demand, so any year from 1900 on works.

Definitions that the rest of Weibao relies on:

* An instant ``t`` is *open* when the local wall clock at ``t`` (in the calendar's zone) shows a
  time inside an opening period of the local date of ``t``. This is the only definition; the DST
  behaviour follows from it: a 01:00–04:00 period is 2 real hours on a spring-forward day and 4 on
  a fall-back day, and a period inside a skipped hour is simply not there.
* Intervals are half-open ``[start, end)``; touching or overlapping intervals are merged, so 7x24
  is one continuous interval and midnight is not a boundary.
* Instants are handled at whole-second resolution: sub-second parts of inputs are dropped
  (floored), results are whole seconds.
"""

from __future__ import annotations

from .core import EMPTY_SEARCH_YEARS as EMPTY_SEARCH_YEARS
from .core import MAX_SPAN_YEARS as MAX_SPAN_YEARS
from .core import Schedule, schedule_for
from .spec import SEVEN_BY_24, CalendarSpec, as_day_rule, five_by_eight, seven_by_eight
from .spec import DayRule as DayRule
from .spec import Period as Period
from .spec import PeriodIn as PeriodIn

__all__ = [
    "SEVEN_BY_24",
    "CalendarSpec",
    "Schedule",
    "as_day_rule",
    "five_by_eight",
    "schedule_for",
    "seven_by_eight",
]
