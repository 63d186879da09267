"""Tables of the duty app: rosters (shifts, weekly patterns, holiday plans, swaps, calendar feeds),
emergency plans with drills, and incident reports."""

from .emergency import CorrectiveAction, Drill, EmergencyPlan, IncidentReport
from .remote import RemoteSession
from .roster import CalendarFeed, DutyPattern, DutyShift, DutySwap, HolidayDutyPlan

__all__ = [
    "CalendarFeed",
    "CorrectiveAction",
    "Drill",
    "DutyPattern",
    "DutyShift",
    "DutySwap",
    "EmergencyPlan",
    "HolidayDutyPlan",
    "IncidentReport",
    "RemoteSession",
]
