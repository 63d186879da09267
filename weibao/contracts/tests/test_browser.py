"""A hospital admin creates a contract from the drg-wuhan template in the browser, edits a
response target and reads the terms table."""

from __future__ import annotations

import pytest

from weibao.accounts.choices import Role
from weibao.contracts.models import Contract
from weibao.testing.browser import login
from weibao.testing.factories import VendorFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hospital_admin_creates_a_contract_from_a_template_and_edits_a_target(page, hospital, password):
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    vendor = VendorFactory(name="演示数据智能有限公司（虚构）")
    login(page, admin.username, password)
    page.wait_for_selector("h1:has-text('我的工作台')")

    page.goto("/contracts/new/")
    page.select_option("#id_template", "drg-wuhan")
    page.wait_for_selector("#template-preview table")
    assert "咨询服务" in page.inner_text("#template-preview")
    page.select_option("#id_hospital", str(hospital.pk))
    page.select_option("#id_vendor", str(vendor.pk))
    page.fill("#id_start", "2026-01-01")
    page.fill("#id_amount", "44000")
    page.click("#contract-new button[type=submit]")
    page.wait_for_selector("#terms-table")
    contract = Contract.objects.get(hospital=hospital)
    assert contract.terms.count() == 10
    first_row = page.inner_text("#term-1")
    assert "咨询服务" in first_row and "12小时内（7x24）" in first_row

    page.click("#term-1 a:has-text('修改')")
    page.select_option("#id_response_kind", "within")
    page.fill("#id_response_within", "8h")
    page.select_option("#id_response_calendar", "5x8")
    page.click("button:has-text('保存')")
    page.wait_for_selector("#terms-table")
    assert "8小时内（5x8）" in page.inner_text("#term-1 .response")
    headers = page.inner_text("#terms-table thead")
    for header in ("序号", "服务项目", "服务内容", "服务方式", "响应时间", "到场", "解决"):
        assert header in headers
    assert contract.terms.get(number=1).response == {"within": "8h", "calendar": "5x8"}
    page.screenshot(path="var/contract-detail.png", full_page=True)
