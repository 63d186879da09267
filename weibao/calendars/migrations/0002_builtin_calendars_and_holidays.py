"""Create the built-in calendars and seed the statutory holidays from the chinese-calendar package."""

from django.db import migrations


def seed(apps, schema_editor):
    from weibao.calendars.builtin import ensure_builtins

    ensure_builtins(
        apps.get_model("calendars", "WorkCalendar"),
        apps.get_model("calendars", "StatutoryYear"),
        apps.get_model("calendars", "StatutoryDay"),
    )


class Migration(migrations.Migration):
    dependencies = [("calendars", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
