"""The hospital admin samples, marks and signs a quarter's assessment in Chromium, then sees the
progress payment become payable less the quarter's deductions; on a desktop and on a phone."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from weibao.accounts.choices import Role
from weibao.assessments import marking, services
from weibao.assessments.paying import milestone_record
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.testing.browser import login
from weibao.testing.factories import VendorFactory, member

from .conftest import Desk, at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("var/screenshots")
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


def _contract(hospital, name: str):
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    contract = contract_create_from_template(
        actor=admin,
        template=get_template("drg-wuhan"),
        hospital=hospital,
        vendor=VendorFactory(name="DRG厂商"),
        start=date(2026, 1, 1),
        amount=Decimal("44000"),
        code=f"DRG-{name.upper()}",
    )
    desk = Desk(contract, admin)
    # Q1: two closed tickets, signed 优秀 through the services.
    for i in range(2):
        desk.ticket(at("2026-02-02") + timedelta(days=i))
    q1 = services.assessment_open(actor=admin, contract=contract, period="2026Q1")
    for ev in q1.evaluations.all():
        marking.sample_draw(actor=admin, evaluation=ev, size=2, seed=1)
        for row in ev.rows.all():
            marking.sample_mark(actor=admin, row=row, result="pass")
    services.assessment_review(actor=admin, assessment=q1)
    services.assessment_sign(actor=admin, assessment=q1)
    # Q2: one response after 1 h 05 and one 严重 vendor-caused fault: 440 + 1,320 yuan.
    desk.ticket(at("2026-04-08"), respond_after=timedelta(hours=1, minutes=5))
    desk.ticket(at("2026-05-12"), term=10, severity="serious", vendor_caused=True)
    desk.ticket(at("2026-06-02"))
    q2 = services.assessment_open(actor=admin, contract=contract, period="2026Q2")
    progress = contract.payment_milestones.get(code="progress-payment")
    milestone_record(
        actor=admin,
        milestone=progress,
        deliverables_on=date(2026, 7, 3),
        invoice_number="FP-2026-07",
        invoice_on=date(2026, 7, 6),
    )
    return admin, contract, q2, progress


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_admin_samples_marks_signs_and_the_payment_becomes_payable(new_context, hospital, password, device):
    admin, contract, q2, progress = _contract(hospital, device)
    SHOTS.mkdir(parents=True, exist_ok=True)
    ctx = new_context(**VIEWPORTS[device])
    page = ctx.new_page()
    page.set_default_timeout(15000)
    login(page, admin.username, password)
    page.goto(f"/assessments/contract/{contract.pk}/")
    milestone = page.locator(f"#milestone-{progress.pk}")
    assert milestone.get_attribute("data-status") == "waiting"
    assert "第2期考核签署且合格" in milestone.inner_text() and "考核尚未签署" in milestone.inner_text()
    page.click(f"#assessments a[href='/assessments/{q2.pk}/']")
    page.wait_for_selector("h1:has-text('2026Q2')")
    assert page.inner_text("#late-late-response") == "1"
    page.click("#late-late-response")
    page.wait_for_selector("#drill")
    assert "明细（1 条）" in page.inner_text("#drill")
    assert page.locator(".deduction-line").count() == 2
    for i in range(2):
        section = page.locator(".evaluation").nth(i)
        section.locator("input[name=size]").fill("3")
        section.locator(".draw-form button").click()
        page.wait_for_selector(f".evaluation >> nth={i} >> tr[data-result=pending]")
        for _ in range(3):
            page.locator(".evaluation").nth(i).locator(
                "tr[data-result=pending] .mark-form button"
            ).first.click()
            page.wait_for_load_state("load")
        assert page.locator(".evaluation").nth(i).locator("tr[data-result=pass]").count() == 3
    assert [page.locator(".ev-grade").nth(i).inner_text() for i in range(2)] == ["优秀", "优秀"]
    page.fill("#review-form textarea[name=note]", "抽查 3 张均合格")
    page.click("#review")
    page.wait_for_selector("#sign")
    page.screenshot(path=str(SHOTS / f"assessment-reviewed-{device}.png"), full_page=True)
    page.click("#sign")
    page.wait_for_selector("#state:has-text('已签署')")
    assert page.inner_text("#grade") == "优秀"
    assert page.inner_text("#deduction-total").replace(",", "") == "¥ 1760.00"
    assert (
        page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[device]["viewport"]["width"] + 10
    )
    page.click("text=合同的考核与付款")
    milestone = page.locator(f"#milestone-{progress.pk}")
    milestone.wait_for()
    assert milestone.get_attribute("data-status") == "payable"
    assert milestone.locator(".deductions").inner_text().replace(",", "") == "1760.00"
    assert milestone.locator(".payable").inner_text().replace(",", "") == "¥ 11440.00"
    milestone.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"assessment-payment-{device}.png"), full_page=True)
    q2.refresh_from_db()
    assert (q2.state, q2.deduction_total) == ("signed", Decimal("1760.00"))
