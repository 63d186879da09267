"""In Chromium, desktop and a 390×844 phone: a department user scans a QR code carrying the
system and module and the report lands on the contract that covers it; a department code with
two contracts in force asks which system; a hospital admin moves a ticket to another contract
and sees the new contract and clocks on the page."""

from __future__ import annotations

import os
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from weibao.accounts.choices import Role
from weibao.contracts.models import MaintainedSystem
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.servicedesk import services
from weibao.servicedesk.models import Ticket
from weibao.testing.browser import login as sign_in
from weibao.testing.factories import DepartmentFactory, VendorFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


def _shot(page, name: str) -> None:
    os.makedirs("var/screenshots", exist_ok=True)
    page.screenshot(path=f"var/screenshots/{name}.png", full_page=True)


def _login(page, user, password) -> None:
    sign_in(page, user.username, password)
    page.wait_for_selector("h1")


@pytest.fixture
def world(hospital):
    pacs_vendor, drg_vendor, his_vendor = (
        VendorFactory(name="影像厂商"),
        VendorFactory(name="病案厂商"),
        VendorFactory(name="HIS厂商"),
    )

    def make(template, vendor, start, code):
        return contract_create_from_template(
            actor=None,
            template=get_template(template),
            hospital=hospital,
            vendor=vendor,
            start=start,
            amount=Decimal("100000"),
            code=code,
        )

    pacs = make("pacs-huizhou", pacs_vendor, date(2026, 1, 1), "PACS-2026")
    make("drg-wuhan", drg_vendor, date(2027, 1, 1), "DRG-2027")  # the 2027 contract
    his = make("his-3y", his_vendor, date(2025, 8, 1), "HIS-2025")
    radiology = DepartmentFactory(hospital=hospital, name="放射科")
    return {
        "pacs": pacs,
        "his": his,
        "system": MaintainedSystem.objects.get(contract=pacs),
        "radiology": radiology,
        "doctor": member(hospital, Role.DEPARTMENT_USER, department=radiology),
        "admin": member(hospital, Role.HOSPITAL_ADMIN),
    }


@pytest.mark.parametrize("size", list(SIZES))
def test_a_qr_scan_with_system_and_module_reports_to_the_covering_contract(
    new_context, world, password, size
):
    page = new_context(**SIZES[size]).new_page()
    page.set_default_timeout(15000)
    _login(page, world["doctor"], password)
    system, radiology = world["system"], world["radiology"]
    module = system.modules.order_by("order", "pk")[2]
    page.goto(f"/m/report/?d={radiology.pk}&s={system.pk}&m={module.pk}")
    where = page.inner_text("#report-where")
    assert "放射科" in where and system.name in where and module.name in where and "影像厂商" in where
    assert page.locator("input[name=route]").count() == 0  # nothing to ask: one contract covers it
    _shot(page, f"routing-qr-{size}")
    page.fill("#id_title", f"读片工作站无法调阅影像（{size}）")
    page.click("#mobile-report button[type=submit]")
    page.wait_for_url(lambda url: "/m/report/" not in url)
    ticket = Ticket.objects.get(title=f"读片工作站无法调阅影像（{size}）")
    assert ticket.contract == world["pacs"] and ticket.system == system and ticket.module == module
    assert ticket.number in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["viewport"]["width"] + 10

    # A department's own code: two contracts are in force, so the reporter picks a system by name.
    page.goto(f"/m/report/?d={radiology.pk}")
    choices = page.inner_text("#mobile-report")
    assert "医院影像管理系统（PACS） · 影像厂商" in choices and "HIS厂商" in choices
    assert "PACS-2026" not in choices and "HIS-2025" not in choices and "病案厂商" not in choices
    _shot(page, f"routing-choose-{size}")
    his_system = MaintainedSystem.objects.filter(contract=world["his"]).order_by("name", "pk").first()
    page.check(f"input[name=route][value='{world['his'].pk}-{his_system.pk}']")
    page.fill("#id_title", f"收费窗口无法出票（{size}）")
    page.click("#mobile-report button[type=submit]")
    page.wait_for_url(lambda url: "/m/report/" not in url)
    ticket = Ticket.objects.get(title=f"收费窗口无法出票（{size}）")
    assert ticket.contract == world["his"] and ticket.system == his_system


@pytest.mark.parametrize("size", list(SIZES))
def test_a_hospital_admin_moves_a_ticket_and_sees_the_new_contract_and_clocks(
    new_context, world, password, size
):
    # A PACS fault that reached the HIS contract, reported an hour ago.
    his = world["his"]
    ticket = services.ticket_create(
        actor=world["doctor"],
        contract=his,
        term=his.terms.get(number=his.terms.filter(category="fault").first().number),
        title=f"放射科影像无法调阅（{size}）",
        created_at=timezone.now() - timedelta(hours=1),
    )
    page = new_context(**SIZES[size]).new_page()
    page.set_default_timeout(15000)
    _login(page, world["admin"], password)
    page.goto(f"/tickets/{ticket.pk}/")
    assert "HIS厂商" in page.inner_text("#ticket-contract")
    page.click("#move-ticket > summary")
    page.select_option("#move-ticket select[name=contract]", str(world["pacs"].pk))
    page.fill("#move-ticket input[name=reason]", "PACS 故障，应由影像厂商处理")
    _shot(page, f"routing-move-form-{size}")
    page.click("#move-ticket button[type=submit]")
    page.wait_for_selector("#ticket-contract:has-text('影像厂商')")
    ticket.refresh_from_db()
    assert ticket.contract == world["pacs"] and ticket.term.contract == world["pacs"]
    clocks = page.inner_text("#clocks")
    assert ticket.clocks.exclude(started_at=None).exists()
    for clock in ticket.clocks.all():
        assert clock.started_at in (None, ticket.created_at)  # None: an on-site clock not yet started
        if clock.due_at:
            assert timezone.localtime(clock.due_at).strftime("%m-%d %H:%M") in clocks
    timeline = page.inner_text("#timeline")
    assert "转至其他合同" in timeline and "PACS 故障，应由影像厂商处理" in timeline
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["viewport"]["width"] + 10
    _shot(page, f"routing-moved-{size}")
