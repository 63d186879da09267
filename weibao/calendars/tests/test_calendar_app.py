"""The stored calendars: built-ins, statutory data, the CLI, the API, the pages."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from weibao.accounts.choices import Role
from weibao.calendars import services
from weibao.calendars.models import StatutoryDay, StatutoryYear, WorkCalendar
from weibao.testing.factories import member

pytestmark = pytest.mark.django_db

HOLIDAY_CN_2027 = {
    "year": 2027,
    "papers": ["https://www.gov.cn/example-2027-notice"],
    "days": [
        {"name": "元旦", "date": "2027-01-01", "isOffDay": True},
        {"name": "春节", "date": "2027-02-05", "isOffDay": True},
        {"name": "春节", "date": "2027-02-06", "isOffDay": True},
        {"name": "春节", "date": "2027-02-07", "isOffDay": True},
        {"name": "春节", "date": "2027-02-08", "isOffDay": True},
        {"name": "春节", "date": "2027-02-09", "isOffDay": True},
        {"name": "春节", "date": "2027-02-10", "isOffDay": True},
        {"name": "春节", "date": "2027-02-11", "isOffDay": True},
        {"name": "春节", "date": "2027-02-13", "isOffDay": False},
    ],
}


def sla(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("sla", *args, stdout=out)
    return out.getvalue().strip()


def test_builtin_calendars_and_seeded_holidays_exist():
    assert set(WorkCalendar.objects.filter(is_builtin=True).values_list("code", flat=True)) == {
        "7x24",
        "7x8",
        "5x8",
    }
    assert StatutoryYear.objects.filter(year__range=(2004, 2026)).count() == 23
    assert not StatutoryYear.objects.filter(year=2027).exists()
    make_ups = set(
        StatutoryDay.objects.filter(date__year=2026, is_workday=True).values_list("date", flat=True)
    )
    assert {
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    } == make_ups


@pytest.mark.parametrize(
    ("calendar", "start", "duration", "expected"),
    [
        ("5x8", "2026-09-30T17:00:00+08:00", "4h", "2026-10-08T11:00:00+08:00"),
        ("5x8", "2026-10-09T17:00:00+08:00", "2h", "2026-10-10T09:00:00+08:00"),  # make-up Saturday
        ("5x8", "2026-02-13T16:00:00+08:00", "4h", "2026-02-14T10:00:00+08:00"),  # make-up before 春节
        ("5x8", "2026-02-14T17:00:00+08:00", "2h", "2026-02-24T09:00:00+08:00"),  # across 春节
        (
            "5x8",
            "2026-03-02T11:00:00+08:00",
            "1h",
            "2026-03-02T12:00:00+08:00",
        ),  # due exactly at a period end
        ("5x8", "2026-03-02T12:30:00+08:00", "90m", "2026-03-02T15:30:00+08:00"),  # start in the lunch break
        ("5x8", "2026-04-30T16:00:00+08:00", "3wd", "2026-05-08T18:00:00+08:00"),  # 05-01..05-05 off
        ("5x8", "2026-04-30T16:00:00+08:00", "4wd", "2026-05-09T18:00:00+08:00"),  # 05-09 make-up counts
        ("7x8", "2026-10-01T11:00:00+08:00", "2h", "2026-10-01T15:00:00+08:00"),  # holidays count on 7x8
        ("7x24", "2026-12-31T23:30:00+08:00", "1h", "2027-01-01T00:30:00+08:00"),
        ("7x24", "2026-06-01T10:00:00+08:00", "2d", "2026-06-03T10:00:00+08:00"),
        ("5x8", "2026-12-31T17:00:00+08:00", "2h", "2027-01-01T09:00:00+08:00 provisional"),
    ],
)
def test_sla_due_cli(calendar, start, duration, expected):
    assert sla("due", "--calendar", calendar, "--start", start, "--duration", duration) == expected


def test_sla_due_reads_a_naive_start_in_the_calendar_zone():
    assert sla("due", "--calendar", "5x8", "--start", "2026-03-02T17:00:00", "--duration", "2h") == (
        "2026-03-03T09:00:00+08:00"
    )
    assert sla("due", "--calendar", "5x8", "--start", "2026-03-02T09:00:00Z", "--duration", "1h") == (
        "2026-03-02T18:00:00+08:00"
    )


def test_sla_elapsed_cli():
    assert sla(
        "elapsed",
        "--calendar",
        "5x8",
        "--start",
        "2026-09-30T17:00:00+08:00",
        "--end",
        "2026-10-10T11:00:00+08:00",
    ) == str((1 + 8 + 8 + 3) * 3600)
    assert (
        sla(
            "elapsed",
            "--calendar",
            "7x24",
            "--start",
            "2026-01-01T00:00:00+08:00",
            "--end",
            "2026-01-02T00:00:00+08:00",
        )
        == "86400"
    )


@pytest.mark.parametrize(
    "args",
    [
        ("due", "--calendar", "nope", "--start", "2026-01-01T00:00", "--duration", "1h"),
        ("due", "--calendar", "5x8", "--start", "yesterday", "--duration", "1h"),
        ("due", "--calendar", "5x8", "--start", "2026-01-01T00:00", "--duration", "4 hours"),
        ("elapsed", "--calendar", "5x8", "--start", "2026-01-01T00:00", "--end", "2026-13-01T00:00"),
    ],
)
def test_sla_cli_errors_exit_2(args):
    with pytest.raises(CommandError) as info:
        call_command("sla", *args)
    assert info.value.returncode == 2


def test_importing_2027_turns_provisional_deadlines_final(tmp_path):
    start = "2027-02-04T17:00:00+08:00"
    before = sla("due", "--calendar", "5x8", "--start", start, "--duration", "2h")
    assert before == "2027-02-05T09:00:00+08:00 provisional"
    path = tmp_path / "2027.json"
    path.write_text(json.dumps(HOLIDAY_CN_2027, ensure_ascii=False))
    call_command("calendars", "import-holidays", str(path))
    after = sla("due", "--calendar", "5x8", "--start", start, "--duration", "2h")
    # 02-05..02-11 off, 02-12 (Fri) is a workday again.
    assert after == "2027-02-12T09:00:00+08:00"
    assert sla("due", "--calendar", "5x8", "--start", "2027-02-12T17:00:00+08:00", "--duration", "2h") == (
        "2027-02-13T09:00:00+08:00"
    )  # the make-up Saturday


def test_import_rejects_a_malformed_file(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps({"year": 2027, "days": [{"name": "春节", "date": "2027-02-30", "isOffDay": True}]})
    )
    with pytest.raises(CommandError) as info:
        call_command("calendars", "import-holidays", str(path))
    assert info.value.returncode == 2 and "days[0].date" in str(info.value)
    assert not StatutoryYear.objects.filter(year=2027).exists()


def test_statutory_change_listeners_run_after_commit(django_capture_on_commit_callbacks):
    from weibao.calendars.changes import on_statutory_change
    from weibao.calendars.statutory import parse_holiday_cn

    seen = []
    on_statutory_change(seen.append)
    with django_capture_on_commit_callbacks(execute=True):
        services.statutory_year_set(actor=None, data=parse_holiday_cn(HOLIDAY_CN_2027), year=2027)
    assert seen == [frozenset({2027})]


# --- API ----------------------------------------------------------------------------------------


def post(client, path, payload):
    return client.post(path, json.dumps(payload), content_type="application/json")


def test_api_due_and_elapsed(client_for, hospital):
    c = client_for(member(hospital, Role.DEPARTMENT_USER))
    response = post(c, "/api/v1/calendars/5x8/due", {"start": "2026-09-30T17:00:00+08:00", "duration": "4h"})
    assert response.status_code == 200
    assert response.json() == {"due": "2026-10-08T11:00:00+08:00", "provisional": False}
    late = post(c, "/api/v1/calendars/5x8/due", {"start": "2026-12-31T17:00:00+08:00", "duration": "2h"})
    assert late.json()["provisional"] is True
    bad = post(c, "/api/v1/calendars/5x8/due", {"start": "2026-12-31T17:00:00+08:00", "duration": "4 hours"})
    assert bad.status_code == 400 and bad.json()["code"] == "bad_request"
    missing = post(c, "/api/v1/calendars/5x8/due", {"duration": "4h"})
    assert missing.status_code == 422
    unknown = post(c, "/api/v1/calendars/nope/due", {"start": "2026-01-01T00:00:00+08:00", "duration": "4h"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    elapsed = post(
        c,
        "/api/v1/calendars/7x8/elapsed",
        {"start": "2026-10-01T00:00:00+08:00", "end": "2026-10-02T00:00:00+08:00"},
    )
    assert elapsed.json() == {"seconds": 8 * 3600}


def test_api_calendar_crud_and_exceptions(client_for, hospital, platform_admin):
    admin = client_for(member(hospital, Role.HOSPITAL_ADMIN))
    created = post(
        admin,
        "/api/v1/calendars",
        {
            "code": "hz-hours",
            "name": "医院工作时间",
            "day_rule": "statutory_workdays",
            "owner_id": hospital.pk,
            "weekly": {"0": [["08:00", "12:00"], ["14:30", "17:30"]], "1": [["08:00", "12:00"]]},
        },
    )
    assert created.status_code == 201, created.content
    assert created.json()["weekly"]["0"] == [["08:00", "12:00"], ["14:30", "17:30"]]
    due = post(
        admin, "/api/v1/calendars/hz-hours/due", {"start": "2026-03-02T12:00:00+08:00", "duration": "1h"}
    )
    assert due.json()["due"] == "2026-03-02T15:30:00+08:00"
    overlap = post(
        admin,
        "/api/v1/calendars",
        {"code": "bad", "name": "x", "weekly": {"0": [["08:00", "12:00"], ["11:00", "13:00"]]}},
    )
    assert overlap.status_code in (400, 403)
    bad_time = post(
        admin,
        "/api/v1/calendars",
        {"code": "bad2", "name": "x", "owner_id": hospital.pk, "weekly": {"0": [["25:00", "26:00"]]}},
    )
    assert bad_time.status_code == 400
    bad_day = post(
        admin, "/api/v1/calendars", {"code": "bad3", "name": "x", "weekly": {"9": [["08:00", "09:00"]]}}
    )
    assert bad_day.status_code == 422
    # A closed day (2026-03-03, a Tuesday) moves the deadline.
    exc = post(
        admin, "/api/v1/calendars/hz-hours/exceptions", {"date": "2026-03-03", "periods": [], "note": "停电"}
    )
    assert exc.status_code == 201
    due = post(
        admin, "/api/v1/calendars/hz-hours/due", {"start": "2026-03-02T17:00:00+08:00", "duration": "1h"}
    )
    assert due.json()["due"] == "2026-03-09T08:30:00+08:00"
    # Built-ins belong to the platform.
    patch = admin.patch("/api/v1/calendars/5x8", json.dumps({"name": "x"}), content_type="application/json")
    assert patch.status_code == 403
    assert admin.delete(f"/api/v1/calendars/hz-hours/exceptions/{exc.json()['id']}").status_code == 204
    assert admin.delete("/api/v1/calendars/hz-hours").status_code == 204
    assert client_for(platform_admin).delete("/api/v1/calendars/5x8").status_code == 400


def test_api_holidays_manual_entry_and_import(client_for, platform_admin, hospital):
    c = client_for(platform_admin)
    put = c.put(
        "/api/v1/holidays/2027",
        json.dumps(
            {
                "days": [
                    {"date": "2027-01-01", "is_workday": False, "name": "元旦"},
                    {"date": "2027-01-02", "is_workday": True, "name": "元旦"},
                ]
            }
        ),
        content_type="application/json",
    )
    assert put.status_code == 200 and len(put.json()["days"]) == 2
    assert 2027 in c.get("/api/v1/holidays").json()
    imported = post(c, "/api/v1/holidays/import", HOLIDAY_CN_2027)
    assert imported.status_code == 200 and imported.json()["papers"] == HOLIDAY_CN_2027["papers"]
    assert not StatutoryDay.objects.filter(date=date(2027, 1, 2)).exists()
    bad = post(c, "/api/v1/holidays/import", {"year": 2027, "days": [{"date": "2027-02-01"}]})
    assert bad.status_code == 400 and "name" in bad.json()["detail"]
    other = client_for(member(hospital, Role.HOSPITAL_ADMIN))
    assert post(other, "/api/v1/holidays/import", HOLIDAY_CN_2027).status_code == 403


# --- pages ---------------------------------------------------------------------------------------


def test_calendar_pages(client_for, hospital):
    c = client_for(member(hospital, Role.HOSPITAL_ADMIN))
    page = c.get("/calendars/").content.decode()
    assert "7x24" in page and "5x8" in page
    detail = c.get("/calendars/5x8/?year=2026&month=10").content.decode()
    assert "国庆节" in detail and "班" in detail and "National Day" not in detail
    due = c.post("/calendars/5x8/due/", {"start": "2026-09-30T17:00", "duration": "4h"}).content.decode()
    assert "2026-10-08 11:00:00" in due
    assert (
        "时限格式不对"
        in c.post("/calendars/5x8/due/", {"start": "2026-09-30T17:00", "duration": "x"}).content.decode()
    )


def test_the_calculator_is_prefilled_and_bounded(client_for, hospital):
    """The start is prefilled in the form a datetime-local input shows; a duration no contract
    can mean is answered at once with the error in the panel, not a 500 after seconds."""
    import re
    from datetime import datetime

    from django.utils import timezone

    c = client_for(member(hospital, Role.HOSPITAL_ADMIN))
    detail = c.get("/calendars/5x8/").content.decode()
    start = re.search(r'<input type="datetime-local" name="start" value="([^"]*)"', detail).group(1)
    shown = timezone.make_aware(datetime.strptime(start, "%Y-%m-%dT%H:%M"))
    assert abs((timezone.now() - shown).total_seconds()) < 120
    for duration in ("99999wd", "367d", "9000h"):
        response = c.post("/calendars/5x8/due/", {"start": "2026-09-30T17:00", "duration": duration})
        assert response.status_code == 200
        assert "时限格式不对：应为 90m、4h、2d 或 3wd，最长 366 天。" in response.content.decode()
    due = c.post("/calendars/5x8/due/", {"start": start, "duration": "1h"})
    assert "到期：" in due.content.decode()


def test_missing_next_year_warning_from_october(client_for, platform_admin, settings, monkeypatch):
    from weibao.calendars import selectors

    monkeypatch.setattr(selectors.timezone, "localdate", lambda: date(2026, 10, 1))
    c = client_for(platform_admin)
    assert "2027 年的法定节假日安排尚未录入" in c.get("/").content.decode()
    monkeypatch.setattr(selectors.timezone, "localdate", lambda: date(2026, 9, 30))
    assert "尚未录入" not in c.get("/").content.decode()


def test_manual_holiday_entry_page(client_for, platform_admin):
    c = client_for(platform_admin)
    response = c.post(
        "/calendars/holidays/", {"year": 2027, "days": "2027-01-01 休 元旦\n2027-02-13 班 春节"}
    )
    assert response.status_code == 302
    assert StatutoryDay.objects.get(date=date(2027, 2, 13)).is_workday
    bad = c.post("/calendars/holidays/", {"year": 2027, "days": "2027-01-01 maybe"})
    assert "第 1 行格式不对" in bad.content.decode()
