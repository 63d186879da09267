"""Statutory data: the chinese_calendar package, holiday-cn files, and provisional deadlines."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from weibao.calendars.schedule import Schedule, five_by_eight
from weibao.calendars.statutory import (
    StatutoryData,
    from_chinese_calendar,
    load_holiday_cn,
    merge,
    parse_holiday_cn,
)

# FACTS.md, 2026: weekday holidays (False) and weekend make-up workdays (True). Weekend holidays
# (01-03, 04-04, 04-05, 05-02, 05-03, 06-20, 06-21, 09-26, 09-27, 10-03, 10-04, 02-21, 02-22)
# are not exceptions: those days are closed anyway.
EXCEPTIONS_2026 = {
    date(2026, 1, 1): False,
    date(2026, 1, 2): False,
    date(2026, 1, 4): True,
    date(2026, 2, 14): True,
    date(2026, 2, 16): False,
    date(2026, 2, 17): False,
    date(2026, 2, 18): False,
    date(2026, 2, 19): False,
    date(2026, 2, 20): False,
    date(2026, 2, 23): False,
    date(2026, 2, 28): True,
    date(2026, 4, 6): False,
    date(2026, 5, 1): False,
    date(2026, 5, 4): False,
    date(2026, 5, 5): False,
    date(2026, 5, 9): True,
    date(2026, 6, 19): False,
    date(2026, 9, 20): True,
    date(2026, 9, 25): False,
    date(2026, 10, 1): False,
    date(2026, 10, 2): False,
    date(2026, 10, 5): False,
    date(2026, 10, 6): False,
    date(2026, 10, 7): False,
    date(2026, 10, 10): True,
}

# A test fixture in holiday-cn's format, not the real 2027 notice (which is not out yet):
# 元旦 Fri 01-01..Sun 01-03; 春节 Fri 02-05..Thu 02-11 with make-up days Sun 01-31 and Sat 02-20.
HOLIDAY_CN_2027 = {
    "year": 2027,
    "papers": ["https://www.gov.cn/example/2027.htm"],
    "days": [
        {"name": "元旦", "date": "2027-01-01", "isOffDay": True},
        {"name": "元旦", "date": "2027-01-02", "isOffDay": True},
        {"name": "元旦", "date": "2027-01-03", "isOffDay": True},
        {"name": "春节", "date": "2027-01-31", "isOffDay": False},
        *({"name": "春节", "date": f"2027-02-{d:02d}", "isOffDay": True} for d in range(5, 12)),
        {"name": "春节", "date": "2027-02-20", "isOffDay": False},
    ],
}


def dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def write(tmp_path: Path, content: object, name: str = "2027.json") -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content, ensure_ascii=False), "utf-8")
    return path


def test_package_2026_matches_facts() -> None:
    data = from_chinese_calendar([2026])
    assert dict(data.exceptions) == EXCEPTIONS_2026
    assert data.years == frozenset({2026})
    assert data.names[date(2026, 2, 14)] == "春节"
    assert data.names[date(2026, 10, 3)] == "国庆节"  # weekend holiday: named, not an exception
    assert date(2026, 10, 3) not in data.exceptions
    assert date(2026, 3, 10) not in data.names


def test_package_years_without_data_are_left_out() -> None:
    data = from_chinese_calendar(range(2025, 2029))
    assert data.years == frozenset({2025, 2026})
    assert all(day.year in (2025, 2026) for day in data.exceptions)
    assert {2004, 2026} <= from_chinese_calendar().years


def test_holiday_cn_file_parses(tmp_path: Path) -> None:
    data = load_holiday_cn(write(tmp_path, HOLIDAY_CN_2027))
    assert data.years == frozenset({2027})
    assert dict(data.exceptions) == {
        date(2027, 1, 1): False,
        date(2027, 1, 31): True,
        date(2027, 2, 5): False,
        date(2027, 2, 8): False,
        date(2027, 2, 9): False,
        date(2027, 2, 10): False,
        date(2027, 2, 11): False,
        date(2027, 2, 20): True,
    }
    assert data.names[date(2027, 1, 2)] == "元旦"
    assert data.sources == ("https://www.gov.cn/example/2027.htm",)
    assert parse_holiday_cn(json.dumps(HOLIDAY_CN_2027)) == data


def test_holiday_cn_days_in_the_neighbouring_year_are_kept_but_not_covered() -> None:
    # Like the real 2023 file, whose 元旦 started on 2022-12-31.
    data = parse_holiday_cn(
        {
            "year": 2030,
            "days": [
                {"name": "元旦", "date": "2029-12-31", "isOffDay": True},
                {"name": "元旦", "date": "2030-01-01", "isOffDay": True},
            ],
        }
    )
    assert dict(data.exceptions) == {date(2029, 12, 31): False, date(2030, 1, 1): False}
    assert data.years == frozenset({2030})


GOOD_DAY = {"name": "元旦", "date": "2027-01-01", "isOffDay": True}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object with 'year' and 'days', got list"),
        ({"days": []}, "'year' must be an integer"),
        ({"year": "2027", "days": []}, "'year' must be an integer"),
        ({"year": 27, "days": []}, "out of range"),
        ({"year": 2027}, "'days' must be a list"),
        ({"year": 2027, "days": {}}, "'days' must be a list"),
        ({"year": 2027, "papers": "x", "days": []}, "'papers' must be a list"),
        ({"year": 2027, "days": ["2027-01-01"]}, r"days\[0\]: expected an object"),
        ({"year": 2027, "days": [{"name": "元旦", "date": "2027-01-01"}]}, r"days\[0\]: missing 'isOffDay'"),
        ({"year": 2027, "days": [{**GOOD_DAY, "name": ""}]}, r"days\[0\]\.name"),
        (
            {"year": 2027, "days": [{**GOOD_DAY, "date": "2027/01/01"}]},
            r"days\[0\]\.date: expected 'YYYY-MM-DD'",
        ),
        ({"year": 2027, "days": [{**GOOD_DAY, "date": "2027-02-30"}]}, "not a real date"),
        ({"year": 2027, "days": [{**GOOD_DAY, "date": "2030-01-01"}]}, "outside the file's year 2027"),
        (
            {"year": 2030, "days": [{**GOOD_DAY, "date": "2031-01-01"}]},
            "2031-01-01 is outside the file's year 2030",
        ),
        ({"year": 2030, "days": [{**GOOD_DAY, "date": "2029-11-30"}]}, "outside the file's year 2030"),
        ({"year": 2027, "days": [{**GOOD_DAY, "isOffDay": "true"}]}, r"isOffDay: expected true or false"),
        (
            {"year": 2027, "days": [GOOD_DAY, {**GOOD_DAY, "isOffDay": False}]},
            r"days\[1\]: 2027-01-01 is listed both as a day off and as a workday",
        ),
    ],
)
def test_malformed_holiday_cn_files_are_rejected_clearly(
    tmp_path: Path, content: object, message: str
) -> None:
    path = write(tmp_path, content)
    with pytest.raises(ValueError, match=message) as excinfo:
        load_holiday_cn(path)
    assert str(path) in str(excinfo.value)


def test_missing_file_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot be read"):
        load_holiday_cn(tmp_path / "nope.json")


def test_merge_later_source_wins_for_its_years() -> None:
    package = from_chinese_calendar([2026])
    # A corrected 2026 notice that only keeps New Year: every other 2026 exception disappears.
    corrected = parse_holiday_cn(
        {"year": 2026, "days": [{"name": "元旦", "date": "2026-01-01", "isOffDay": True}]}
    )
    merged = merge(package, corrected, parse_holiday_cn(HOLIDAY_CN_2027))
    assert merged.years == frozenset({2026, 2027})
    assert merged.exceptions[date(2026, 1, 1)] is False
    assert date(2026, 10, 1) not in merged.exceptions
    assert merged.exceptions[date(2027, 2, 20)] is True
    assert merge() == StatutoryData()


def test_deadline_into_2027_is_provisional_until_the_year_is_imported(tmp_path: Path) -> None:
    before = from_chinese_calendar([2026])
    s = Schedule(five_by_eight(before.exceptions, before.years))
    # 1 h on Thu 2026-12-31, then Fri 2027-01-01 by the Monday–Friday fallback.
    assert s.add(dt("2026-12-31T17:00:00+08:00"), 4 * 3600) == (dt("2027-01-01T11:00:00+08:00"), True)
    assert s.add_workdays(dt("2026-12-31T10:00:00+08:00"), 1) == (dt("2027-01-01T18:00:00+08:00"), True)

    after = merge(before, load_holiday_cn(write(tmp_path, HOLIDAY_CN_2027)))
    s = Schedule(five_by_eight(after.exceptions, after.years))
    # 元旦 2027-01-01 (Fri) is off, 01-02/01-03 is a weekend: Mon 2027-01-04, final.
    assert s.add(dt("2026-12-31T17:00:00+08:00"), 4 * 3600) == (dt("2027-01-04T11:00:00+08:00"), False)
    assert s.add_workdays(dt("2026-12-31T10:00:00+08:00"), 1) == (dt("2027-01-04T18:00:00+08:00"), False)
    # The fixture's make-up Sunday 2027-01-31 is open.
    assert s.add(dt("2027-01-29T17:00:00+08:00"), 2 * 3600) == (dt("2027-01-31T09:00:00+08:00"), False)


@pytest.mark.django_db
def test_holidays_stored_in_english_are_renamed_in_chinese() -> None:
    """Installations seeded before the names were translated get them renamed by a migration."""
    import importlib

    from django.apps import apps

    from weibao.calendars.models import StatutoryDay

    migration = importlib.import_module("weibao.calendars.migrations.0003_holiday_names_in_chinese")
    StatutoryDay.objects.filter(date=date(2026, 10, 1)).update(name="National Day")
    StatutoryDay.objects.filter(date=date(2026, 2, 14)).update(name="Spring Festival")
    migration.to_chinese(apps, None)
    names = dict(
        StatutoryDay.objects.filter(date__in=[date(2026, 10, 1), date(2026, 2, 14)]).values_list(
            "date", "name"
        )
    )
    assert names == {date(2026, 10, 1): "国庆节", date(2026, 2, 14): "春节"}
    assert not StatutoryDay.objects.filter(name__in=["National Day", "Spring Festival"]).exists()
