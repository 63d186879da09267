"""Create the built-in calendars and seed the statutory holidays from the chinese-calendar package."""

from datetime import date

from django.db import migrations


def seed(apps, schema_editor):
    from weibao.calendars.builtin import BUILTIN_CALENDARS
    from weibao.calendars.statutory import from_chinese_calendar

    WorkCalendar = apps.get_model("calendars", "WorkCalendar")
    StatutoryYear = apps.get_model("calendars", "StatutoryYear")
    StatutoryDay = apps.get_model("calendars", "StatutoryDay")
    for spec in BUILTIN_CALENDARS:
        WorkCalendar.objects.update_or_create(code=spec["code"], defaults={**spec, "is_builtin": True})
    data = from_chinese_calendar(range(2004, date.today().year + 3))
    for year in sorted(data.years):
        if StatutoryYear.objects.filter(year=year).exists():
            continue
        row = StatutoryYear.objects.create(year=year, source=", ".join(data.sources))
        days = {d: w for d, w in data.exceptions.items() if d.year == year}
        days.update({d: d.weekday() < 5 for d in data.names if d.year == year and d not in days})
        StatutoryDay.objects.bulk_create(
            StatutoryDay(year=row, date=d, is_workday=w, name=data.names.get(d, "")[:32]) for d, w in sorted(days.items())
        )


class Migration(migrations.Migration):
    dependencies = [("calendars", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
