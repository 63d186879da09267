"""The vendor's project manager reads the probe list and a probe's history chart, and runs it now,
at desk and phone size."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from weibao.accounts.choices import Role
from weibao.probes import runtime
from weibao.probes.models import ProbeHourly, ProbeResult
from weibao.testing.browser import login
from weibao.testing.factories import member

from .conftest import free_port
from .factories import make_probe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("var/screenshots/probes")


def _history(probe, *, slow_from: int) -> None:
    """Almost a day of runs every 20 minutes (slower, then failing, in the last hours), and 30 days of
    hourly aggregates."""
    now = timezone.now()
    rows = []
    for i in range(71):
        at = now - timedelta(minutes=20 * (71 - i) + 1)
        state = 0 if i < slow_from else (1 if i < slow_from + 4 else 2)
        rows.append(
            ProbeResult(
                probe=probe,
                at=at,
                state=state,
                duration_ms=20 + (i % 7) * 5 + (200 if i >= slow_from else 0),
                message="",
            )
        )
    ProbeResult.objects.bulk_create(rows)
    hours = [
        ProbeHourly(
            probe=probe,
            hour=(now - timedelta(hours=h)).replace(minute=0, second=0, microsecond=0),
            count=12,
            ok_count=12 if h % 50 else 9,
            worst_state=0 if h % 50 else 2,
            duration_min_ms=10,
            duration_avg_ms=25 + (h % 24),
            duration_max_ms=80,
        )
        for h in range(1, 30 * 24)
    ]
    ProbeHourly.objects.bulk_create(hours)


@pytest.mark.parametrize(
    ("size", "viewport"), [("desk", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})]
)
def test_manager_reads_the_list_and_the_chart_and_runs_a_probe(
    new_context, covered, storescp, password, size, viewport
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    system = covered()
    manager = member(system.contract.vendor, Role.VENDOR_MANAGER)
    echo = make_probe(
        system,
        kind="dicom-echo",
        port=storescp,
        name="PACS 影像归档 C-ECHO",
        options={"called_aet": "STORESCP"},
    )
    make_probe(system, kind="tcp", port=free_port(), name="HIS 接口 MLLP 端口", failures_to_alert=5)
    make_probe(system, kind="tcp", port=storescp, name="Web 阅片服务端口")
    runtime.run_due()
    _history(echo, slow_from=60)
    ctx = new_context(viewport=viewport, is_mobile=size == "phone", has_touch=size == "phone")
    page = ctx.new_page()
    page.set_default_timeout(15000)
    try:
        login(page, manager.username, password)
        page.goto("/probes/")
        page.wait_for_selector("h1:has-text('探针')")
        assert page.locator(".probe-row").count() == 3
        assert page.locator(".probe-row[data-state=crit]").count() == 1
        assert page.locator(".probe-row[data-state=ok]").count() == 2
        crit = page.locator(".probe-row[data-state=crit] .badge").first
        assert crit.inner_text() == "严重"
        assert "rgb(192, 57, 43)" in crit.evaluate("e => getComputedStyle(e).color")  # the danger red
        if size == "phone":
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 10
        page.screenshot(path=str(SHOTS / f"{size}-list.png"), full_page=True)

        page.click("a.probe-link:has-text('PACS 影像归档 C-ECHO')")
        page.wait_for_selector("#probe-chart")
        assert page.locator("#probe-chart").get_attribute("data-samples") == "72"
        assert page.locator("#probe-chart rect.cell.crit").count() >= 1
        assert page.locator("#probe-chart polyline.durline").count() == 1
        page.click("#probe-run")
        page.wait_for_selector("text=检测完成")
        assert page.locator("#probe-state").inner_text() == "正常"
        assert page.locator("#probe-chart").get_attribute("data-samples") == "73"
        if size == "phone":
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 10
        page.screenshot(path=str(SHOTS / f"{size}-detail-24h.png"), full_page=True)
        page.click("a:has-text('近 30 天')")
        page.wait_for_selector("#probe-chart")
        assert int(page.locator("#probe-chart").get_attribute("data-samples")) >= 700
        page.screenshot(path=str(SHOTS / f"{size}-detail-30d.png"), full_page=True)
    finally:
        ctx.close()
