"""The hospital admin and the vendor manager see 合同款项 on their home page, on a desktop and on
a 390×844 phone: the contract's running deductions and its next payment with its gate; they open
the year view and download the contracts' table (read back with openpyxl)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from weibao.assessments.paying import milestone_record
from weibao.reports.money import COLUMNS
from weibao.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("var/screenshots")
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


@pytest.mark.parametrize("who", ["admin", "manager"])
@pytest.mark.parametrize("name", ["desktop", "phone"])
def test_money_panel_year_view_and_download(new_context, running, password, tmp_path, who, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    today = timezone.localdate()
    milestone_record(
        actor=running["admin"],
        milestone=running["contract"].payment_milestones.order_by("order").first(),
        paid_on=today,
        paid_amount=Decimal("13200.00"),
    )
    options = VIEWPORTS[name]
    ctx = new_context(accept_downloads=True, **options)
    page = ctx.new_page()
    page.set_default_timeout(20000)
    login(page, running[who].username, password)
    page.goto("/")
    panel = page.locator("#money-panel")
    panel.wait_for()
    row = panel.locator('tr[data-contract="WH-DRG-LIVE"]')
    assert row.locator("td.deductions").inner_text().startswith("1760.00")
    assert "未满足条件" in row.locator("td.payment").inner_text()
    codes = panel.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.contract)")
    assert "B-OTHER-VENDOR" not in codes
    assert ("B-SAME-VENDOR" in codes) == (who == "manager")
    assert page.evaluate("document.documentElement.scrollWidth") <= options["viewport"]["width"] + 10
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"money-home-{who}-{name}.png"), full_page=True)
    with page.expect_download() as info:
        page.click("#money-xlsx")
    saved = tmp_path / "money.xlsx"
    info.value.save_as(saved)
    rows = list(load_workbook(saved, read_only=True).active.iter_rows(values_only=True))
    assert list(rows[0]) == [h for h, _f in COLUMNS]
    assert sorted(r[0] for r in rows[1:]) == (
        ["WH-DRG-LIVE"] if who == "admin" else ["B-SAME-VENDOR", "WH-DRG-LIVE"]
    )
    page.click("#money-year")
    page.wait_for_selector("#year-chart svg")
    assert page.locator("#year-chart rect.bar.deduction").count() == 12
    paid = page.locator(f'#year-chart rect.bar.payment[data-month="{today.month}"]')
    assert paid.get_attribute("data-value") == "13200.00"
    assert f"{today.month}月 付款 13200.00 元" in paid.locator("title").text_content()
    assert page.evaluate("document.documentElement.scrollWidth") <= options["viewport"]["width"] + 10
    page.screenshot(path=str(SHOTS / f"money-year-{who}-{name}.png"), full_page=True)
