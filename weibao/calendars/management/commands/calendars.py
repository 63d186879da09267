"""``weibao calendars …``: list calendars, import a year of statutory holidays."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from weibao.calendars import services
from weibao.calendars.models import StatutoryYear, WorkCalendar
from weibao.calendars.statutory import load_holiday_cn


class Command(BaseCommand):
    help = (
        "Work calendars: `list`, `import-holidays FILE.json` (holiday-cn format), `holidays` (years known)."
    )

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="list the calendars")
        imp = sub.add_parser("import-holidays", help="import one year in the holiday-cn JSON format")
        imp.add_argument("file")
        sub.add_parser("holidays", help="list the years with statutory data")

    def handle(self, *args, action: str, **options) -> None:
        if action == "list":
            for cal in WorkCalendar.objects.all():
                self.stdout.write(f"{cal.code:<16} {cal.day_rule:<20} {cal.tz:<16} {cal.name}")
        elif action == "holidays":
            for row in StatutoryYear.objects.order_by("year"):
                self.stdout.write(f"{row.year} {row.days.count():>3} days  {row.source}")
        else:
            try:
                data = load_holiday_cn(options["file"])
            except ValueError as exc:
                raise CommandError(str(exc), returncode=2) from exc
            (year,) = data.years
            row = services.statutory_year_set(actor=None, data=data, year=year, source=options["file"])
            self.stdout.write(
                f"imported {year}: {row.days.count()} days; deadlines on {year} will be recomputed"
            )
