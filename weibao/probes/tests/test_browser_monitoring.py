"""The hospital admin sets up the hospital's monitoring on 监控接入, at desk and phone size."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from weibao.accounts.choices import Role
from weibao.probes.models import MonitoringMapping
from weibao.servicedesk.models import Ticket
from weibao.testing.browser import login
from weibao.testing.factories import member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("var/screenshots/monitoring")


@pytest.mark.parametrize(
    ("size", "viewport"), [("desk", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})]
)
def test_admin_creates_a_token_maps_a_host_and_an_alert_opens_a_ticket(
    new_context, hospital, covered, password, size, viewport
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    system = covered()
    ctx = new_context(viewport=viewport, is_mobile=size == "phone", has_touch=size == "phone")
    page = ctx.new_page()
    page.set_default_timeout(15000)
    try:
        login(page, admin.username, password)
        page.goto("/monitoring/")
        page.wait_for_selector("h1:has-text('监控接入')")
        page.fill("#id_name", "Zabbix 服务器")
        page.click("form[action='/monitoring/tokens/new/'] button[type=submit]")
        page.wait_for_selector("#raw-token")
        raw = page.input_value("#raw-token")
        assert raw.startswith("wbm_")
        if size == "phone":
            assert page.evaluate("document.documentElement.scrollWidth") <= 400
        page.screenshot(path=str(SHOTS / f"{size}-token.png"), full_page=True)

        page.select_option("#id_source", "zabbix")
        page.fill("#id_value", "pacs-db01")
        page.select_option("#id_system", str(system.pk))
        page.click("form[action='/monitoring/mappings/new/'] button[type=submit]")
        page.wait_for_selector("td:has-text('PACS 影像归档')")
        assert MonitoringMapping.objects.filter(value="pacs-db01", system=system).exists()

        body = {
            "event_id": "77",
            "host": "pacs-db01",
            "trigger_name": "PACS 归档磁盘使用率超过 90%",
            "severity": "High",
            "status": "PROBLEM",
            "message": "/data 使用率 93%",
        }
        r = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").post(
            "/api/v1/monitoring/zabbix", data=json.dumps(body), content_type="application/json"
        )
        assert r.status_code == 200, r.content
        ticket = Ticket.objects.get()
        page.reload()
        page.wait_for_selector(f"a:has-text('{ticket.number}')")
        if size == "phone":
            assert page.evaluate("document.documentElement.scrollWidth") <= 400
        page.screenshot(path=str(SHOTS / f"{size}-alerts.png"), full_page=True)
    finally:
        ctx.close()
