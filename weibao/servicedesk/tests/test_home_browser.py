"""Each role's home page in Chromium, on a desk (1280×900) and a phone (390×844): what the page
shows (the figures counted by hand in :mod:`.test_home`), the report button only for the hospital
side, the phone's menu button and the ticket cards with their due clock. Screenshots of every
role's home page at both sizes go to ``var/screenshots/``."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from weibao.accounts.choices import Role
from weibao.accounts.models import AccessGrant
from weibao.testing.browser import login as sign_in
from weibao.testing.factories import AuditorOrgFactory, member

from .test_home import world  # noqa: F401  (the hand-counted tickets)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
SHOTS = Path(settings.BASE_DIR).parent / "var" / "screenshots"


@pytest.fixture(autouse=True)
def _no_dashboard_cache(settings):
    settings.WEIBAO_DASHBOARD_SECONDS = 0
    settings.WEIBAO_TREND_SECONDS = 0


def _open_home(new_context, size, user, password, role):
    ctx = new_context(**SIZES[size])
    page = ctx.new_page()
    page.set_default_timeout(15000)
    sign_in(page, user.username, password)
    page.wait_for_selector("h1:has-text('我的工作台')")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"home-{role}-{size}.png"), full_page=True)
    if size == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= 400
        header = page.locator("header.topbar").bounding_box()
        assert header["height"] < 844 / 8, header  # not a quarter of the screen: one line
        assert not page.locator(".mainnav").is_visible()
        page.click("#menu-button")
        assert page.locator(".mainnav").is_visible()
        assert page.get_attribute("#menu-button", "aria-expanded") == "true"
        page.screenshot(path=str(SHOTS / f"home-{role}-phone-menu.png"))
        page.click("#menu-button")
        assert not page.locator(".mainnav").is_visible()
    else:
        header = page.locator("header.topbar").bounding_box()
        assert header["height"] < 80, header  # the entries are grouped into menus: one line
        groups = page.locator(".mainnav details[data-navgroup]")
        if groups.count():
            first = groups.nth(0)
            link = first.locator(".navmenu a").first
            assert not link.is_visible()
            first.locator("summary").click()
            assert link.is_visible()
            if groups.count() > 1:  # opening another menu closes the first
                groups.nth(1).locator("summary").click()
                assert not link.is_visible() and groups.nth(1).locator(".navmenu a").first.is_visible()
            page.click("h1")
            assert not page.locator(".mainnav details[open]").count()
    return page


@pytest.mark.parametrize("size", SIZES)
def test_department_user(new_context, world, people, password, size):  # noqa: F811
    page = _open_home(new_context, size, people["doctor"], password, "department")
    assert page.inner_text("#stat-todo strong") == "1" and page.inner_text("#stat-awaiting strong") == "1"
    assert world["B"].number in page.inner_text("#awaiting-list")
    button = page.locator("#report-button").bounding_box()
    if size == "phone":
        assert button["y"] < 300 and button["width"] > 300  # first thing, full width
    page.click("#report-button")
    page.wait_for_url("**/m/report/**")


@pytest.mark.parametrize("size", SIZES)
def test_hospital_admin(new_context, world, people, password, size):  # noqa: F811
    page = _open_home(new_context, size, people["admin"], password, "hospital-admin")
    figures = [page.inner_text(f"#{i} strong") for i in ("stat-open", "stat-risk", "stat-breached")]
    assert figures == ["2", "1", "2"]
    assert "66.7 %" in page.inner_text("#compliance-contract")
    assert "66.7 %" in page.inner_text("#compliance-vendor")
    assert page.locator("#trend-chart svg rect.bar").count() == 24
    assert page.locator("#trend-chart svg").bounding_box()["width"] <= SIZES[size]["viewport"]["width"]
    assert page.locator("#report-button").count() == 1
    if size == "phone":  # the ticket list as cards, each with its nearest due clock
        page.goto("/tickets/?open=1")
        card = page.locator("#ticket-table tbody tr", has_text=world["C"].number)
        due = card.locator(".mobile-due")
        assert due.is_visible() and "到期" in due.inner_text()
        assert not card.locator("td.col-clocks").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 400
        page.screenshot(path=str(SHOTS / "tickets-phone.png"), full_page=True)


@pytest.mark.parametrize("size", SIZES)
def test_vendor_manager(new_context, world, people, password, size):  # noqa: F811
    page = _open_home(new_context, size, people["manager"], password, "vendor-manager")
    risk = page.inner_text("#risk-list")
    assert risk.index(world["C"].number) < risk.index(world["D"].number)
    assert "66.7 %" in page.inner_text("#compliance-engineer")
    assert page.locator("#report-button").count() == 0
    assert "我要报修" not in page.inner_text("body")


@pytest.mark.parametrize("size", SIZES)
def test_engineer(new_context, world, people, password, size):  # noqa: F811
    page = _open_home(new_context, size, people["engineer"], password, "engineer")
    cards = page.locator("#my-day li")
    assert cards.count() == 2
    assert world["C"].number in cards.nth(0).inner_text() and world["D"].number in cards.nth(1).inner_text()
    assert "到期" in cards.nth(0).locator(".due").inner_text()
    assert page.locator("#report-button").count() == 0


@pytest.mark.parametrize("size", SIZES)
def test_auditor(new_context, world, hospital, password, size):  # noqa: F811
    auditor = member(AuditorOrgFactory(), Role.AUDITOR)
    AccessGrant.objects.create(user=auditor, hospital=hospital)
    page = _open_home(new_context, size, auditor, password, "auditor")
    assert world["contract"].code in page.inner_text("#auditor-contracts")
    assert "66.7 %" in page.inner_text("#compliance-contract")
    assert page.locator("#audit-link").count() == 1
    assert page.locator("#report-button").count() == 0
