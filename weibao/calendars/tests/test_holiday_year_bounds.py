"""A holiday arrangement holds only dates of its year (and the December before, for 元旦): a 2030
file with a 2031 date is refused by the CLI, the API and the page, and nothing is imported."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from weibao.calendars import services
from weibao.calendars.models import StatutoryYear
from weibao.calendars.statutory import StatutoryData, in_notice_year

pytestmark = pytest.mark.django_db

FILE_2030 = {
    "year": 2030,
    "papers": [],
    "days": [
        {"name": "元旦", "date": "2030-01-01", "isOffDay": True},
        {"name": "元旦", "date": "2031-01-01", "isOffDay": True},
    ],
}


def test_the_rule():
    from datetime import date

    assert in_notice_year(date(2030, 6, 1), 2030) and in_notice_year(date(2029, 12, 31), 2030)
    assert not in_notice_year(date(2031, 1, 1), 2030) and not in_notice_year(date(2029, 11, 30), 2030)


def test_cli_refuses(tmp_path):
    path = tmp_path / "2030.json"
    path.write_text(json.dumps(FILE_2030))
    with pytest.raises(CommandError, match="2031-01-01 is outside the file's year 2030") as info:
        call_command("calendars", "import-holidays", str(path))
    assert info.value.returncode == 2
    assert not StatutoryYear.objects.filter(year=2030).exists()


def test_api_refuses(client_for, platform_admin):
    c = client_for(platform_admin)
    response = c.post("/api/v1/holidays/import", json.dumps(FILE_2030), content_type="application/json")
    assert response.status_code == 400 and "2031-01-01" in response.json()["detail"]
    put = c.put(
        "/api/v1/holidays/2030",
        json.dumps({"days": [{"date": "2031-01-01", "is_workday": False, "name": "元旦"}], "source": "x"}),
        content_type="application/json",
    )
    assert put.status_code == 400 and "2031-01-01" in put.json()["detail"]
    assert not StatutoryYear.objects.filter(year=2030).exists()


def test_page_refuses(client_for, platform_admin):
    c = client_for(platform_admin)
    upload = SimpleUploadedFile("2030.json", json.dumps(FILE_2030).encode(), content_type="application/json")
    response = c.post("/calendars/holidays/", {"file": upload})
    assert response.status_code == 200 and "2031-01-01 is outside the file" in response.content.decode()
    manual = c.post("/calendars/holidays/", {"year": 2030, "days": "2031-01-01 休 元旦"})
    assert manual.status_code == 200 and "不在 2030 年的安排之内" in manual.content.decode()
    assert not StatutoryYear.objects.filter(year=2030).exists()


def test_the_service_refuses_too():
    from datetime import date

    data = StatutoryData({date(2031, 1, 1): False}, frozenset({2030}), {}, ())
    with pytest.raises(ValidationError, match="2031-01-01"):
        services.statutory_year_set(actor=None, data=data, year=2030)
