"""The contract wizard in Chromium, desktop and a 390×844 phone: the title and code are prefilled
for the chosen hospital and stay editable; the preview table stays inside its card."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from weibao.accounts.choices import Role
from weibao.contracts.models import Contract
from weibao.testing.browser import login
from weibao.testing.factories import HospitalFactory, VendorFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


@pytest.mark.parametrize("size", list(SIZES))
def test_the_wizard_names_the_hospital_and_its_preview_fits(new_context, password, size):
    hospital = HospitalFactory(name="惠州市第三人民医院", short_code=f"HZ3{size[0].upper()}")
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    vendor = VendorFactory(name="演示数据智能有限公司（虚构）")
    page = new_context(**SIZES[size]).new_page()
    page.set_default_timeout(15000)
    login(page, admin.username, password)
    page.wait_for_selector("h1")
    page.goto("/contracts/new/")
    page.select_option("#id_template", "drg-wuhan")
    page.wait_for_selector("#template-preview table")
    expect(page.locator("#id_title")).to_have_value(re.compile("DRG"))
    title = page.input_value("#id_title")
    assert title.startswith("惠州市第三人民医院") and "武汉市中心医院" not in title
    # The preview sits inside its card: the card does not overflow, the page does not scroll sideways.
    card = page.eval_on_selector("#template-preview", "e => [e.scrollWidth, e.clientWidth]")
    assert card[0] <= card[1] + 1, card
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["viewport"]["width"] + 1
    os.makedirs("var/screenshots", exist_ok=True)
    page.screenshot(path=f"var/screenshots/contract-wizard-{size}.png", full_page=True, caret="initial")
    page.fill("#id_start", "2027-01-01")
    page.dispatch_event("#id_start", "change")
    expect(page.locator("#id_code")).to_have_value(re.compile("202701$"))
    page.fill("#id_title", "惠州三院 DRG 维保（2027）")
    page.select_option("#id_vendor", str(vendor.pk))
    page.fill("#id_amount", "44000")
    page.click("#contract-new button[type=submit]")
    page.wait_for_selector("#terms-table")
    contract = Contract.objects.get(hospital=hospital)
    assert contract.title == "惠州三院 DRG 维保（2027）" and contract.code.endswith("202701")
    assert page.inner_text("[data-contract-status]") == "未生效"
