"""In Chromium: a vendor engineer on a phone opens an incident report from two tickets of the
night, fills in its impact, cause and corrective actions (nothing wider than the screen); the
hospital's admin reads the timeline at a desk and signs it off. Screenshots go to
``var/screenshots/duty/``."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from weibao.duty.models import IncidentReport
from weibao.testing.browser import login

from .test_incidents import two_tickets  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR).parent / "var" / "screenshots" / "duty"


def test_an_engineer_reports_an_incident_from_two_tickets_on_a_phone(
    new_context,
    contract,
    team,
    password,
    two_tickets,  # noqa: F811
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    first, second = two_tickets
    phone = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    desk = new_context(viewport={"width": 1280, "height": 900}).new_page()
    for pg in (desk, phone):
        pg.set_default_timeout(20000)

    engineer = team["engineers"][0]
    login(phone, engineer.username, password)
    phone.goto("/emergency/")
    phone.wait_for_selector("#emergency-list .empty")
    assert "还没有应急报告" in phone.inner_text("#emergency-list")
    phone.select_option("#new-contract", str(contract.pk))
    phone.click("#emergency-new-go")
    phone.wait_for_selector("#incident-form")
    # A title is needed: the form says so in Chinese and keeps the ticks.
    phone.check(f"#incident-form input[name=tickets][value='{first.pk}']")
    phone.check(f"#incident-form input[name=tickets][value='{second.pk}']")
    phone.click("#incident-form button[type=submit]")
    phone.wait_for_selector("#incident-form .error-text")
    assert "必填" in phone.inner_text("#incident-form .error-text")
    assert not IncidentReport.objects.exists()
    phone.fill("#id_title", "国庆 DRG 服务中断")
    assert phone.is_checked(f"#incident-form input[name=tickets][value='{first.pk}']")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 400
    phone.screenshot(path=str(SHOTS / "incident-new-phone.png"), full_page=True)
    phone.click("#incident-form button[type=submit]")

    phone.wait_for_selector("#incident-edit-form")
    phone.fill("#id_impact_systems", "DRG 分组服务、病案首页上传")
    phone.fill("#id_impact_departments", "病案科、医保办")
    phone.fill("#id_root_cause", "存储控制器故障")
    phone.fill("#id_actions", "增加存储冗余｜张伟｜2026-10-10")
    phone.click("#incident-edit-form button[type=submit]")
    phone.wait_for_selector("text=应急报告已保存")
    assert phone.inner_text("[data-milestone=detected]") == "2026-10-03 03:00"
    assert phone.inner_text("[data-milestone=restored]") == "2026-10-03 05:40"
    assert "增加存储冗余" in phone.inner_text("#incident-actions")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 400
    phone.screenshot(path=str(SHOTS / "incident-filled-phone.png"), full_page=True)

    report = IncidentReport.objects.get()
    assert sorted(report.tickets.values_list("pk", flat=True)) == sorted([first.pk, second.pk])
    login(desk, team["admin"].username, password)
    desk.goto(f"/emergency/incidents/{report.pk}/")
    tickets = desk.inner_text("#incident-tickets")
    assert first.number in tickets and second.number in tickets
    desk.click("#incident-sign button[type=submit]")
    desk.wait_for_selector("text=应急报告已签字确认")
    assert desk.locator("#incident-edit").count() == 0
    desk.screenshot(path=str(SHOTS / "incident-signed-desktop.png"), full_page=True)
    report.refresh_from_db()
    assert report.state == "signed" and report.signed_by == team["admin"]
