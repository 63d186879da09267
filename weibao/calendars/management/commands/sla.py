"""``weibao sla due`` and ``weibao sla elapsed``: deadline arithmetic on a stored calendar.

Fixed interface (acceptance cases call exactly this)::

    weibao sla due --calendar 5x8 --start 2026-09-30T17:00:00+08:00 --duration 4h
    2026-10-10T11:00:00+08:00
    weibao sla elapsed --calendar 5x8 --start … --end …
    14400

Exit status 2 with a message on standard error for an unknown calendar or a malformed argument.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError

from weibao.calendars.durations import DurationError, parse_duration
from weibao.calendars.models import WorkCalendar
from weibao.calendars.selectors import schedule_for_calendar


def _instant(text: str, calendar: WorkCalendar, name: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(
            f"malformed {name} {text!r}: expected ISO 8601 such as 2026-10-08T09:30:00+08:00", returncode=2
        ) from exc
    return value if value.tzinfo is not None else value.replace(tzinfo=ZoneInfo(calendar.tz))


class Command(BaseCommand):
    help = "SLA arithmetic: `due` (start + duration on a calendar) and `elapsed` (open seconds between two instants)."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        due = sub.add_parser(
            "due", help="print the due instant (and ' provisional' when it relies on missing data)"
        )
        due.add_argument("--calendar", required=True)
        due.add_argument("--start", required=True)
        due.add_argument("--duration", required=True, help="90m, 4h, 2d (24 h days) or 3wd (working days)")
        elapsed = sub.add_parser("elapsed", help="print the open seconds between two instants")
        elapsed.add_argument("--calendar", required=True)
        elapsed.add_argument("--start", required=True)
        elapsed.add_argument("--end", required=True)

    def handle(self, *args, action: str, calendar: str, start: str, **options) -> None:
        cal = WorkCalendar.objects.filter(code=calendar).first()
        if cal is None:
            known = ", ".join(WorkCalendar.objects.values_list("code", flat=True))
            raise CommandError(f"unknown calendar {calendar!r} (known: {known})", returncode=2)
        schedule = schedule_for_calendar(cal)
        begin = _instant(start, cal, "--start")
        if action == "due":
            try:
                duration = parse_duration(options["duration"])
            except DurationError as exc:
                raise CommandError(str(exc), returncode=2) from exc
            try:
                due, provisional = schedule.add_duration(begin, duration)
            except ValueError as exc:  # before 1900, after 9000, or a calendar never open
                raise CommandError(f"cannot compute on {cal.code}: {exc}", returncode=2) from exc
            local = due.astimezone(ZoneInfo(cal.tz)).replace(microsecond=0)
            self.stdout.write(local.isoformat() + (" provisional" if provisional else ""))
        else:
            end = _instant(options["end"], cal, "--end")
            try:
                seconds = schedule.elapsed(begin, end)
            except ValueError as exc:
                raise CommandError(f"cannot compute on {cal.code}: {exc}", returncode=2) from exc
            self.stdout.write(str(seconds))
