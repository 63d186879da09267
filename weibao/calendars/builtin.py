"""The built-in calendars. Their meaning is fixed: contract templates and acceptance cases use them."""

OFFICE_HOURS = [["08:00", "12:00"], ["14:00", "18:00"]]

BUILTIN_CALENDARS = [
    {
        "code": "7x24",
        "name": "7×24 小时",
        "day_rule": "every_day",
        "weekly": {str(d): [["00:00", "24:00"]] for d in range(7)},
        "note": "全年无休，任何时刻都计时。",
    },
    {
        "code": "7x8",
        "name": "7×8 小时（每天 08:00–12:00、14:00–18:00，含节假日）",
        "day_rule": "every_day",
        "weekly": {str(d): OFFICE_HOURS for d in range(7)},
        "note": "每天（含法定节假日）上午 8–12 点、下午 2–6 点。",
    },
    {
        "code": "5x8",
        "name": "5×8 小时（法定工作日 08:00–12:00、14:00–18:00）",
        "day_rule": "statutory_workdays",
        "weekly": {str(d): OFFICE_HOURS for d in range(5)},
        "note": "法定工作日（周一至周五，节假日除外，含调休上班日）上午 8–12 点、下午 2–6 点。",
    },
]


def ensure_builtins(work_calendar=None, statutory_year=None, statutory_day=None) -> None:
    """Create the built-in calendars and seed the statutory years from the chinese-calendar
    package, where missing. Takes the model classes so a migration can pass its historical ones."""
    from datetime import date

    from .statutory import from_chinese_calendar

    if work_calendar is None:
        from .models import StatutoryDay, StatutoryYear, WorkCalendar

        work_calendar, statutory_year, statutory_day = WorkCalendar, StatutoryYear, StatutoryDay
    for spec in BUILTIN_CALENDARS:
        work_calendar.objects.get_or_create(code=spec["code"], defaults={**spec, "is_builtin": True})
    known = set(statutory_year.objects.values_list("year", flat=True))
    wanted = [y for y in range(2004, date.today().year + 3) if y not in known]
    if not wanted:
        return
    data = from_chinese_calendar(wanted)
    for year in sorted(data.years):
        row = statutory_year.objects.create(year=year, source=", ".join(data.sources))
        days = {d: w for d, w in data.exceptions.items() if d.year == year}
        days.update({d: d.weekday() < 5 for d in data.names if d.year == year and d not in days})
        statutory_day.objects.bulk_create(
            statutory_day(year=row, date=d, is_workday=w, name=data.names.get(d, "")[:32])
            for d, w in sorted(days.items())
        )
