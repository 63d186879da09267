"""服务报告 in Chromium: the vendor's engineer, on a 390×844 phone on site, opens the fixed ticket,
follows 填写服务报告, finds the form filled from the ticket (its report, arrival and resolution
times), saves it (on a desktop too); the department's user signs — on the engineer's phone with
their own account and a drawn signature, or on their own phone signed in as themselves — and the
report is frozen."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from weibao.accounts.choices import Role
from weibao.contracts.models import MaintainedSystem
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.reports.models import ServiceReport
from weibao.reports.periods import BEIJING
from weibao.servicedesk import services as sd
from weibao.testing.browser import login
from weibao.testing.factories import DepartmentFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("var/screenshots")
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def _site(hospital, vendor):
    contract = contract_create_from_template(
        actor=None,
        template=get_template("regional-zhenhai"),
        hospital=hospital,
        vendor=vendor,
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
        amount=Decimal("300000"),
        code="ZH-2026",
    )
    department = DepartmentFactory(hospital=hospital, name="放射科")
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    doctor = member(hospital, Role.DEPARTMENT_USER, department=department, display_name="张医生")
    engineer = member(vendor, Role.VENDOR_ENGINEER, display_name="工程师李")
    t0 = datetime(2026, 10, 3, 3, 0, tzinfo=BEIJING)
    ticket = sd.ticket_create(
        actor=admin,
        contract=contract,
        term=contract.terms.get(number=1),
        severity=contract.severities.get(code="level1"),
        title="健康档案浏览器无法打开",
        description="点击后白屏",
        system=MaintainedSystem.objects.filter(contract=contract).order_by("name").first(),
        department=department,
        reporter=doctor,
        created_at=t0,
        assignee=engineer,
    )
    for action, minutes, extra in (
        ("respond", 5, {}),
        ("require_onsite", 10, {}),
        ("arrive", 70, {}),
        ("resolve", 160, {"solution": "更换故障网卡并重启服务", "root_cause": "网卡故障"}),
    ):
        ticket = sd.ticket_transition(
            actor=engineer, ticket=ticket, action=action, at=t0 + timedelta(minutes=minutes), **extra
        )
    return ticket, doctor, engineer


def _draw(page, pad) -> None:
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    x, y = box["x"], box["y"] + box["height"] / 2
    page.mouse.move(x + 20, y)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(x + 20 + i * box["width"] / 16, y + (18 if i % 2 else -18), steps=3)
    page.mouse.up()


def _engineer_fills(context, ticket, engineer, password, name):
    page = context.new_page()
    page.set_default_timeout(15000)
    login(page, engineer.username, password)
    page.goto(f"/tickets/{ticket.pk}/")
    page.click("#new-service-report")
    page.wait_for_selector("#service-report-form")
    assert page.input_value("#id_reported_at") == "2026-10-03T03:00"
    assert page.input_value("#id_arrived_at") == "2026-10-03T04:10"
    assert page.input_value("#id_resolved_at") == "2026-10-03T05:40"
    assert page.input_value("#id_department_name") == "放射科"
    assert "健康档案浏览器无法打开" in page.input_value("#id_fault")
    assert page.locator("#id_mode input[value=onsite]").is_checked()
    page.screenshot(path=str(SHOTS / f"service-report-{name}-form.png"), full_page=True)
    page.fill("#id_result", "系统已恢复，用户确认可正常调阅。")
    page.click("#service-report-form button[type=submit]")
    page.wait_for_selector("#service-report[data-state=draft]")
    return page


def test_engineer_fills_on_a_phone_and_the_user_signs_on_it(new_context, password, hospital, vendor):
    ticket, doctor, engineer = _site(hospital, vendor)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = _engineer_fills(new_context(**PHONE), ticket, engineer, password, "phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 10
    assert "签字人密码" in page.locator("#sign").inner_text()  # handed over: the user's own account
    page.locator("#sign").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "service-report-phone-hand-over.png"))

    # Handed the phone, the user rates, writes their name, gives their account and signs.
    page.check("#id_satisfaction input[value=satisfied]")
    page.fill("#id_comments", "工程师到场及时")
    page.fill("#id_signer_name", "张医生")
    page.fill("#id_signer_username", doctor.username)
    page.fill("#id_signer_password", "not the password")
    _draw(page, page.locator("canvas[data-signature-pad]"))
    page.click("#sign-submit")
    page.wait_for_selector("#sign-form .error-text")
    assert "账号或密码不正确" in page.locator("#sign-form").inner_text()
    assert ServiceReport.objects.get().state == "draft"
    page.fill("#id_signer_password", password)
    _draw(page, page.locator("canvas[data-signature-pad]"))
    page.click("#sign-submit")
    page.wait_for_selector("#frozen")
    page.wait_for_selector("#signature-image")
    assert "张医生" in page.locator("#signer").inner_text()
    assert page.locator("#sign-form").count() == 0 and page.locator("#service-report-edit").count() == 0
    page.screenshot(path=str(SHOTS / "service-report-phone-signed.png"), full_page=True)

    report = ServiceReport.objects.get()
    assert report.state == "signed" and report.signed_by == doctor and report.satisfaction == "satisfied"
    assert bytes(report.signature).startswith(b"\x89PNG")
    assert report.result == "系统已恢复，用户确认可正常调阅。"

    # The ticket page now lists the signed report.
    page.goto(f"/tickets/{ticket.pk}/")
    assert "已签字" in page.locator("#service-reports").inner_text()
    page.locator("#service-reports").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "service-report-phone-ticket-panel.png"))


def test_the_department_user_signs_signed_in_as_themselves(new_context, password, hospital, vendor):
    ticket, doctor, engineer = _site(hospital, vendor)
    SHOTS.mkdir(parents=True, exist_ok=True)
    _engineer_fills(new_context(**DESKTOP), ticket, engineer, password, "desktop")
    report = ServiceReport.objects.get()

    page = new_context(**PHONE).new_page()
    page.set_default_timeout(15000)
    login(page, doctor.username, password)
    page.goto(f"/tickets/{ticket.pk}/")
    assert page.locator("#new-service-report").count() == 0  # the department does not write it
    page.click(f"#service-reports a[href='/service-reports/{report.pk}/']")
    page.wait_for_selector("#sign-form")
    assert page.locator("#id_signer_password").count() == 0  # signed in as themselves
    assert page.input_value("#id_signer_name") == "张医生"
    body = page.locator("#report-body").inner_text()
    assert "2026-10-03 04:10" in body and "04:10 已到场" in body and "系统已恢复" in body
    page.check("#id_satisfaction input[value=fair]")
    page.click("#sign-submit")
    page.wait_for_selector("#frozen")
    assert "基本满意" in page.locator("#satisfaction").inner_text()
    page.screenshot(path=str(SHOTS / "service-report-own-phone-signed.png"), full_page=True)
    report.refresh_from_db()
    assert report.state == "signed" and report.signed_by == doctor and not report.signature
