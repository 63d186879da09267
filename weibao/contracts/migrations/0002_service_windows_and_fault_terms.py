"""Contracts created from the templates before the readings of issue #13 are read as the templates
now read: a term that only states a service window has no response deadline (it was stored as
``immediate``), a blank response cell of seed 000 promises nothing (it was given a target), and a
term whose targets are its fault class's says so (``by_severity``). Only a term still stored as the
old template stored it is changed: a term the hospital has edited since is left as it is."""

from django.db import migrations

# (template, term number): (the old response as stored, the new response, what ``extra`` gains)
READINGS = {
    ("pacs-guangxi", 11): (
        {"immediate": True, "calendar": "5x8"},
        None,
        {"service_window": {"calendar": "5x8", "text": "法定工作日"}},
    ),
    ("pacs-guangxi", 12): (
        {"immediate": True, "calendar": "5x8"},
        None,
        {"service_window": {"calendar": "5x8", "text": "法定工作日"}},
    ),
    ("regional-zhenhai", 1): (None, None, {"by_severity": True}),
    ("regional-zhenhai", 3): (
        {"immediate": True, "calendar": "7x8"},
        None,
        {"service_window": {"calendar": "7x8", "text": "7*8小时的常规电话支持服务"}},
    ),
    ("regional-zhenhai", 4): (
        {"immediate": True, "calendar": "7x24"},
        None,
        {"service_window": {"calendar": "7x24", "text": "7*24小时紧急电话支持服务"}, "by_severity": True},
    ),
    ("regional-zhenhai", 5): (None, None, {"by_severity": True}),
    ("pacs-huizhou", 9): ({"workday_appointment": True, "calendar": "5x8"}, None, {}),
    ("pacs-huizhou", 10): ({"workday_appointment": True, "calendar": "5x8"}, None, {}),
    ("pacs-huizhou", 11): (
        {"within": "1h", "calendar": "7x24"},
        None,
        {"service_window": {"calendar": "7x24", "text": "7×24小时电话技术支持"}},
    ),
    ("pacs-huizhou", 12): (
        {"within": "1h", "calendar": "7x24"},
        None,
        {"service_window": {"calendar": "7x24", "text": "7×24小时电话技术支持"}},
    ),
}


def _strip(target):
    """The stored target without its quoted seed text, to compare with the old encoding."""
    if not target:
        return None
    return {k: v for k, v in target.items() if k != "text"}


def forwards(apps, schema_editor):
    ServiceTerm = apps.get_model("contracts", "ServiceTerm")
    templates = sorted({code for code, _n in READINGS})
    for term in ServiceTerm.objects.filter(contract__template_code__in=templates).select_related("contract"):
        reading = READINGS.get((term.contract.template_code, term.number))
        if reading is None:
            continue
        old, new, extra = reading
        if _strip(term.response) != old:
            continue
        term.response = new
        term.extra = {**(term.extra or {}), **extra}
        term.save(update_fields=["response", "extra"])


def backwards(apps, schema_editor):
    ServiceTerm = apps.get_model("contracts", "ServiceTerm")
    templates = sorted({code for code, _n in READINGS})
    for term in ServiceTerm.objects.filter(contract__template_code__in=templates).select_related("contract"):
        reading = READINGS.get((term.contract.template_code, term.number))
        if reading is None:
            continue
        old, _new, extra = reading
        if term.response is not None:
            continue
        term.response = old
        term.extra = {k: v for k, v in (term.extra or {}).items() if k not in extra}
        term.save(update_fields=["response", "extra"])


class Migration(migrations.Migration):
    dependencies = [("contracts", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
