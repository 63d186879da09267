"""Tables of the duty app: rosters (shifts, weekly patterns, holiday plans, swaps, calendar feeds)."""

from .roster import CalendarFeed, DutyPattern, DutyShift, DutySwap, HolidayDutyPlan

__all__ = ["CalendarFeed", "DutyPattern", "DutyShift", "DutySwap", "HolidayDutyPlan"]
