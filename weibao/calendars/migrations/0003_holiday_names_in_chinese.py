"""Holidays seeded from chinese_calendar were named in English (New Year's Day, Spring Festival…):
name them as the State Council's notices do."""

from django.db import migrations

from weibao.calendars.statutory import CHINESE_NAMES


def to_chinese(apps, schema_editor):
    StatutoryDay = apps.get_model("calendars", "StatutoryDay")
    for english, chinese in CHINESE_NAMES.items():
        StatutoryDay.objects.filter(name=english).update(name=chinese[:32])


class Migration(migrations.Migration):
    dependencies = [("calendars", "0002_builtin_calendars_and_holidays")]

    operations = [migrations.RunPython(to_chinese, migrations.RunPython.noop)]
