"""A department user reports a fault from the phone form, an engineer responds and resolves it,
the user confirms and rates it; the clocks on the page change state as it happens."""

from __future__ import annotations

import pytest

from weibao.servicedesk.models import Ticket
from weibao.testing.browser import login as sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, username: str, password: str) -> None:
    sign_in(page, username, password)
    page.wait_for_selector("h1:has-text('我的工作台')")


def test_report_from_a_phone_respond_resolve_confirm(new_context, seed, people, password):
    contract = seed("pacs-huizhou")
    system = contract.systems.first()
    phone_ctx = new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    desk_ctx = new_context(viewport={"width": 1280, "height": 900})
    phone, desk = phone_ctx.new_page(), desk_ctx.new_page()
    for p in (phone, desk):
        p.set_default_timeout(15000)
    try:
        login(phone, people["doctor"].username, password)
        phone.goto(f"/m/report/?d={people['radiology'].pk}&s={system.pk}&c={contract.pk}")
        assert "放射科" in phone.inner_text(".mobile")
        phone.fill("#id_title", "3号工作站无法打开影像")
        phone.fill("#id_location", "放射科 3 号机")
        phone.click("#mobile-report button[type=submit]")
        phone.wait_for_selector("#report-done")
        assert "接下来" in phone.inner_text("#report-done")
        phone.click("#follow")
        phone.wait_for_selector("#ticket-state:has-text('新建')")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 400
        ticket = Ticket.objects.get(title="3号工作站无法打开影像")
        assert (
            ticket.channel == "qr_form"
            and ticket.department == people["radiology"]
            and ticket.system == system
        )
        assert phone.get_attribute("[data-clock=response]", "data-status") == "running"

        login(desk, people["engineer"].username, password)
        desk.goto(f"/tickets/{ticket.pk}/")
        desk.click("form[data-action=respond] button")
        desk.wait_for_selector("#ticket-state:has-text('已响应')")
        assert desk.get_attribute("[data-clock=response]", "data-status") == "met"
        desk.click("details:has(form[data-action=resolve]) > summary")
        form = desk.locator("form[data-action=resolve]")
        form.locator("textarea[name=solution]").fill("清理工作站缓存并重新注册 DICOM 节点")
        form.locator("input[name=root_cause]").fill("本地缓存损坏")
        form.locator("button").click()
        desk.wait_for_selector("#ticket-state:has-text('待确认')")
        assert desk.get_attribute("[data-clock=resolution]", "data-status") == "met"

        phone.reload()
        phone.wait_for_selector("#confirm-form")
        phone.check("#confirm-form input[name=rating][value='4']")
        phone.fill("#confirm-form input[name=comment]", "处理及时")
        phone.click("#confirm-form button[type=submit]")
        phone.wait_for_selector("#ticket-state:has-text('已关闭')")
        assert "/m/tickets/" in phone.url and "4★" in phone.inner_text(".mobile")
        ticket.refresh_from_db()
        assert ticket.state == "closed" and ticket.rating == 4 and ticket.rating_comment == "处理及时"
        desk.goto(f"/tickets/{ticket.pk}/")
        assert desk.inner_text("#ticket-state") == "已关闭"
        assert "4 / 5" in desk.inner_text("main")
    finally:
        phone_ctx.close()
        desk_ctx.close()
