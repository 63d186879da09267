"""In a real browser: the nav shows the unread count (loaded by htmx), the inbox opens a
notification and the count goes down."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from weibao.accounts.choices import Role
from weibao.notifications.services import notify
from weibao.testing.browser import login
from weibao.testing.factories import member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_unread_badge_and_opening_a_notification(page, live_server, hospital, password):
    user = member(hospital, Role.HOSPITAL_ADMIN)
    notify(
        event="sla.breached",
        recipients=[user],
        title="【超时】HZ-0007 的响应时限已超",
        body="PACS 影像无法调阅",
        url="/notifications/preferences/",
        hospital=hospital,
    )
    notify(event="ticket.assigned", recipients=[user], title="指派给您：HZ-0008", body="", hospital=hospital)

    login(page, user.username, password)
    page.wait_for_selector("h1:has-text('我的工作台')")
    assert page.inner_text(".mainnav #notifications-unread") == "2"
    assert "【超时】HZ-0007 的响应时限已超" in page.inner_text("#home-unread")

    page.click(".mainnav a[href='/notifications/']")
    page.wait_for_selector("#inbox")
    item = page.locator("li.unread", has_text="HZ-0007")
    item.locator("button:has-text('查看')").click()
    page.wait_for_selector("h1:has-text('通知设置')")
    assert page.inner_text(".mainnav #notifications-unread") == "1"
    # Everything, htmx included, came from the installation itself.
    hosts = {urlparse(u).hostname for u in page.requests_seen if u.startswith("http")}
    assert hosts == {urlparse(live_server.url).hostname}
