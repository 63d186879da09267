"""In Chromium: the vendor's manager generates the year's holiday plans at a desk and opens the
National Day plan; an engineer opens it on a phone (a duty group for each of the seven days, a
phone number to tap, nothing wider than the screen) and asks for a swap. Screenshots of both go
to ``var/screenshots/duty/``."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from weibao.duty import services
from weibao.duty.models import DutySwap, HolidayDutyPlan
from weibao.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR).parent / "var" / "screenshots" / "duty"


def test_holiday_plan_on_desktop_and_phone(new_context, contract, team, password):
    SHOTS.mkdir(parents=True, exist_ok=True)
    desk = new_context(viewport={"width": 1280, "height": 900}).new_page()
    phone = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    for pg in (desk, phone):
        pg.set_default_timeout(20000)

    login(desk, team["manager"].username, password)
    desk.goto(f"/duty/contract/{contract.pk}/")
    desk.fill("#id_year", "2026")
    for engineer in team["engineers"]:
        desk.check(f"#plan-form input[name=engineers][value='{engineer.pk}']")
    desk.fill("#id_emergency_plan_link", "YJ-2026-国庆-01")
    desk.click("#plan-form button[type=submit]")
    desk.wait_for_selector("#plans a:has-text('国庆节')")
    desk.click("#plans a:has-text('国庆节')")
    desk.wait_for_selector("h1:has-text('2026 年国庆节保障方案')")
    days = desk.locator("#plan-days .duty-day")
    assert days.count() == 7
    for i in range(7):
        text = days.nth(i).inner_text()
        assert "主值班" in text and "备班" in text, text
    assert "YJ-2026-国庆-01" in desk.inner_text("#plan-systems")
    desk.screenshot(path=str(SHOTS / "holiday-plan-desktop.png"), full_page=True)

    plan = HolidayDutyPlan.objects.get(contract=contract, holiday="国庆节")
    engineer = team["engineers"][0]
    login(phone, engineer.username, password)
    phone.goto(f"/duty/plans/{plan.pk}/")
    phone.wait_for_selector("#plan-days")
    assert phone.locator("#plan-days .duty-day").count() == 7
    assert phone.locator(f"#plan-days a[href='tel:{engineer.phone}']").count() >= 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= 400
    phone.screenshot(path=str(SHOTS / "holiday-plan-phone.png"), full_page=True)

    # The engineer's coming night shift, and a swap asked for on the phone.
    soon = timezone.now() + timedelta(days=1)
    services.shift_create(
        actor=team["manager"],
        contract=contract,
        engineer=engineer,
        start=soon,
        end=soon + timedelta(hours=12),
    )
    phone.goto("/duty/")
    phone.wait_for_selector("#my-shifts .duty-row")
    phone.screenshot(path=str(SHOTS / "duty-home-phone.png"), full_page=True)
    phone.click("#my-shifts a:has-text('申请换班')")
    phone.select_option("#id_to_engineer", str(team["engineers"][1].pk))
    phone.fill("#id_reason", "家中有事，与李娜对调")
    phone.click("#swap-form button[type=submit]")
    phone.wait_for_selector("text=换班申请已提交")
    swap = DutySwap.objects.get()
    assert (swap.from_engineer, swap.to_engineer, swap.state) == (engineer, team["engineers"][1], "requested")

    # The manager approves it at the desk.
    desk.goto("/duty/")
    desk.wait_for_selector("#swaps-waiting")
    desk.screenshot(path=str(SHOTS / "swap-waiting-desktop.png"), full_page=True)
    desk.click("#swaps-waiting button[value=approve]")
    desk.wait_for_selector("text=已批准换班")
    swap.refresh_from_db()
    assert swap.state == "approved"


def test_starting_a_remote_session_on_a_phone_after_the_hospital_approves_at_a_desk(
    new_context, hospital, duty_vendor, team, password
):
    from decimal import Decimal

    from weibao.contracts.services import contract_create_from_template
    from weibao.contracts.template_loader import get_template
    from weibao.duty import remote
    from weibao.servicedesk import services as sd_services
    from weibao.servicedesk.models import TicketClock

    SHOTS.mkdir(parents=True, exist_ok=True)
    his = contract_create_from_template(
        actor=None,
        template=get_template("his-3y"),
        hospital=hospital,
        vendor=duty_vendor,
        start=date(2026, 1, 1),
        amount=Decimal("300000"),
        code="T-HIS",
    )
    engineer, admin = team["engineers"][0], team["admin"]
    ticket = sd_services.ticket_create(
        actor=None, contract=his, term=his.terms.get(number=1), title="HIS 收费报错"
    )
    now = timezone.now()
    session = remote.remote_request(
        actor=engineer,
        contract=his,
        system=his.systems.first(),
        purpose="通过堡垒机排查收费模块",
        planned_start=now,
        planned_end=now + timedelta(hours=2),
        ticket=ticket,
    )
    desk = new_context(viewport={"width": 1280, "height": 900}).new_page()
    phone = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    for pg in (desk, phone):
        pg.set_default_timeout(20000)
    login(desk, admin.username, password)
    desk.goto(f"/remote/{session.pk}/")
    desk.click("#remote-actions button[value=approve]")
    desk.wait_for_selector("#remote-session[data-state=approved]")
    desk.screenshot(path=str(SHOTS / "remote-approved-desktop.png"), full_page=True)

    login(phone, engineer.username, password)
    phone.goto(f"/remote/{session.pk}/")
    phone.click("#remote-actions button[value=start]")
    phone.wait_for_selector("#remote-session[data-state=active]")
    assert phone.inner_text("#remote-started") != "—"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 400
    phone.screenshot(path=str(SHOTS / "remote-started-phone.png"), full_page=True)
    assert TicketClock.objects.get(ticket=ticket, kind="response").status == "met"

    desk.goto(f"/remote/system/{his.systems.first().pk}/")
    desk.wait_for_selector("#remote-list li[data-state=active]")
    desk.screenshot(path=str(SHOTS / "remote-system-desktop.png"), full_page=True)
