"""An engineer's shifts as an iCalendar (RFC 5545) feed, for phone and desktop calendar apps."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .models import DutyShift


def shifts_ics(shifts: Iterable[DutyShift], *, name: str, host: str, now: datetime) -> bytes:
    """The shifts as one VCALENDAR; each shift keeps its UID, so a calendar app updates a swapped
    or moved shift rather than adding it twice."""
    cal = Calendar()
    cal.add("prodid", "-//Weibao//duty//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for shift in shifts:
        event = Event()
        event.add("uid", f"duty-shift-{shift.pk}@{host}")
        event.add("dtstamp", now.astimezone(UTC))
        event.add("dtstart", shift.start.astimezone(UTC))
        event.add("dtend", shift.end.astimezone(UTC))
        label = shift.plan.holiday + _("保障") if shift.plan_id and shift.plan else _("值班")
        event.add(
            "summary",
            f"{label}·{shift.get_role_display()} {shift.contract.code}",
        )
        event.add(
            "description",
            _("%(hospital)s · %(contract)s · 值班电话 %(phone)s")
            % {
                "hospital": shift.contract.hospital.name,
                "contract": shift.contract.title,
                "phone": shift.phone or "—",
            },
        )
        cal.add_component(event)
    return cal.to_ical()
