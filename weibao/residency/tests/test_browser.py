"""A resident engineer checks in and out on a 390×844 phone; the hospital admin reads the month's
attendance with its shortfall on a desktop."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from weibao.residency import services
from weibao.residency.models import Attendance
from weibao.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("var/screenshots")
Z = ZoneInfo("Asia/Shanghai")


def test_check_in_on_a_phone_and_the_shortfall_on_a_desktop(new_context, his, password):
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    phone.set_default_timeout(15000)
    login(phone, his.eng_a.username, password)
    phone.goto("/residency/")
    phone.wait_for_selector(f"#check-{his.a.pk}")
    phone.screenshot(path=str(SHOTS / "residency-checkin-phone.png"), full_page=True)
    phone.tap(f"#check-{his.a.pk}")
    phone.wait_for_selector(".msg:has-text('已签到')")
    assert "在岗" in phone.inner_text(".checkcard")
    assert Attendance.objects.get(member=his.a).channel_in == "phone"  # a touch screen: 手机
    assert phone.evaluate("document.documentElement.scrollWidth") <= 400
    phone.screenshot(path=str(SHOTS / "residency-checked-in-phone.png"), full_page=True)
    phone.tap(f"#check-{his.a.pk}")
    phone.wait_for_selector(".msg:has-text('已签退')")

    for day in (date(2026, 11, 2), date(2026, 11, 3)):
        for user, member in ((his.eng_a, his.a), (his.eng_b, his.b)):
            if (member, day) == (his.a, date(2026, 11, 3)):
                continue  # 张工 absent without leave
            services.check_in(actor=user, member=member, at=datetime(2026, 11, day.day, 8, tzinfo=Z))
            services.check_out(actor=user, member=member, at=datetime(2026, 11, day.day, 18, tzinfo=Z))
    desk = new_context(viewport={"width": 1280, "height": 900}).new_page()
    desk.set_default_timeout(15000)
    login(desk, his.admin.username, password)
    desk.goto(f"/residency/contract/{his.contract.pk}/attendance/?month=2026-11")
    desk.wait_for_selector("#has-shortfall")
    assert (
        desk.locator(f".member-month[data-member='{his.a.pk}'] .shortfall[data-day='2026-11-03']").count()
        == 1
    )
    desk.screenshot(path=str(SHOTS / "residency-attendance-desktop.png"), full_page=True)
