"""A hospital admin and a vendor engineer read a contract's inspection plan, with due and overdue
inspections, on a desktop and on a 390×844 phone."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from weibao.accounts.choices import Role
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.inspections.cadence import add_months
from weibao.inspections.choices import InspectionState
from weibao.inspections.models import Inspection
from weibao.testing.browser import login
from weibao.testing.factories import VendorFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("var/screenshots")


@pytest.mark.parametrize("role", ["admin", "engineer"])
def test_plan_with_due_and_overdue_on_desktop_and_phone(new_context, hospital, password, role):
    vendor = VendorFactory(name="影像厂商")
    today = timezone.localdate()
    contract = contract_create_from_template(
        actor=None,
        template=get_template("regional-zhenhai"),
        hospital=hospital,
        vendor=vendor,
        start=add_months(date(today.year, today.month, 1), -7),  # two slots past, two to come
        amount=Decimal("100000"),
        code="ZH-BROWSER",
    )
    first = Inspection.objects.filter(contract=contract).order_by("due").first()
    Inspection.objects.filter(pk=first.pk).update(state=InspectionState.DONE, done_at=timezone.now())
    user = member(hospital, Role.HOSPITAL_ADMIN) if role == "admin" else member(vendor, Role.VENDOR_ENGINEER)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, options in [
        ("desktop", {"viewport": {"width": 1280, "height": 900}}),
        ("phone", {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}),
    ]:
        ctx = new_context(**options)
        page = ctx.new_page()
        page.set_default_timeout(15000)
        try:
            login(page, user.username, password)
            page.goto("/inspections/")
            page.wait_for_selector("h1:has-text('巡检')")
            page.click("a.inspection-contract >> nth=0")
            page.wait_for_selector("h1:has-text('ZH-BROWSER 巡检计划')")
            rows = page.locator(".inspection-row")
            assert rows.count() == Inspection.objects.filter(contract=contract).count()
            statuses = [rows.nth(i).get_attribute("data-status") for i in range(rows.count())]
            assert statuses[0] == "done" and "overdue" in statuses and statuses[-1] == "planned"
            overdue = page.locator(".inspection-row[data-status=overdue]").first
            assert "逾期" in overdue.inner_text()
            assert page.locator(".inspection-month").count() >= 4
            assert page.evaluate("document.documentElement.scrollWidth") <= options["viewport"]["width"] + 10
            page.screenshot(path=str(SHOTS / f"inspections-{role}-{name}.png"), full_page=True)
        finally:
            ctx.close()
