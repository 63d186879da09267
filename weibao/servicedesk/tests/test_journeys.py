"""Each role's journey through the service desk in Chromium, on a desk (1280×900) and on a phone
(390×844): what the page shows at each step is checked, not only that it loaded. Screenshots of
every step are saved under ``var/screenshots/journeys/`` (not committed).

- a department user scans a QR code, reports with a photo, sees the confirmation page, and
  confirms the fix with a rating they choose;
- an engineer responds, needs a visit, arrives and resolves; the clocks change on the page;
- a hospital admin filters and searches the tickets, exports exactly the filtered ledger, and
  moves a ticket to the hospital's other contract;
- a vendor manager sees the at-risk board, nearest due first;
- an auditor reads the tickets and the audit log and is offered no move, reply or form.
"""

from __future__ import annotations

import os
import struct
import zlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from weibao.accounts import services as account_services
from weibao.accounts.choices import Role
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.servicedesk import services
from weibao.servicedesk.models import Ticket
from weibao.testing.browser import login as sign_in
from weibao.testing.factories import AuditorOrgFactory, DepartmentFactory, VendorFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


def png(width: int = 2, height: int = 2) -> bytes:
    """A real PNG image (grey pixels), as a phone's camera would send one."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(params=sorted(SIZES))
def size(request):
    return request.param


@pytest.fixture
def at(new_context, size):
    """A fresh page of the given size, and a screenshot helper named after the test and size."""
    context = new_context(**SIZES[size])
    pg = context.new_page()
    pg.set_default_timeout(15000)

    def shot(step: str) -> None:
        os.makedirs("var/screenshots/journeys", exist_ok=True)
        pg.screenshot(path=f"var/screenshots/journeys/{step}-{size}.png", full_page=True)

    pg.shot = shot
    if size == "phone":
        pg.narrow = True
    return pg


def login(pg, user, password) -> None:
    sign_in(pg, user.username, password)
    pg.wait_for_selector("h1")


@pytest.fixture
def world(hospital):
    """One hospital with a PACS contract (影像厂商) and a HIS contract (HIS厂商), both in force,
    and the people of each role."""
    start = timezone.localdate() - timedelta(days=60)
    pacs_vendor, his_vendor = VendorFactory(name="影像厂商"), VendorFactory(name="HIS厂商")

    def make(template, vendor, code):
        return contract_create_from_template(
            actor=None,
            template=get_template(template),
            hospital=hospital,
            vendor=vendor,
            start=start,
            amount=Decimal("100000"),
            code=code,
        )

    pacs, his = make("pacs-huizhou", pacs_vendor, "J-PACS"), make("his-3y", his_vendor, "J-HIS")
    radiology = DepartmentFactory(hospital=hospital, name="放射科")
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    auditor = member(AuditorOrgFactory(), Role.AUDITOR)
    account_services.access_grant_create(actor=admin, user=auditor, hospital=hospital)
    return {
        "pacs": pacs,
        "his": his,
        "radiology": radiology,
        "doctor": member(hospital, Role.DEPARTMENT_USER, department=radiology),
        "admin": admin,
        "engineer": member(pacs_vendor, Role.VENDOR_ENGINEER),
        "manager": member(pacs_vendor, Role.VENDOR_MANAGER),
        "auditor": auditor,
    }


def fault(world, title, **kw):
    contract = kw.pop("contract", world["pacs"])
    return services.ticket_create(
        actor=world["doctor"],
        contract=contract,
        term=contract.terms.filter(category="fault").first(),
        title=title,
        department=world["radiology"],
        **kw,
    )


def test_department_user_reports_by_qr_with_a_photo_and_confirms(at, world, password, tmp_path):
    system = world["pacs"].systems.first()
    login(at, world["doctor"], password)
    if getattr(at, "narrow", False):  # report first on the phone's home page
        box = at.locator("main a:has-text('我要报修')").first.bounding_box()
        assert box is not None and box["y"] < 400
    at.goto(f"/m/report/?d={world['radiology'].pk}&s={system.pk}")
    assert "放射科" in at.inner_text("main") and system.name in at.inner_text("main")
    at.fill("#id_title", "3号工作站无法调阅 CT 影像")
    photo = tmp_path / "screen.png"
    photo.write_bytes(png())
    at.set_input_files("#id_photo", str(photo))
    at.click("#mobile-report button[type=submit]")
    at.wait_for_selector("#report-done")
    ticket = Ticket.objects.get(title="3号工作站无法调阅 CT 影像")
    assert at.inner_text("#ticket-number") == ticket.number
    assert "之前响应" in at.inner_text("#next-steps")
    assert ticket.contract == world["pacs"] and ticket.attachments.get().name == "screen.png"
    at.shot("department-reported")

    services.ticket_transition(actor=world["engineer"], ticket=ticket, action="respond")
    services.ticket_transition(
        actor=world["engineer"],
        ticket=ticket,
        action="resolve",
        solution="重启影像服务",
        root_cause="服务挂起",
    )
    at.click("#follow")
    at.wait_for_selector("#confirm-form")
    assert at.locator("#confirm-form input[name=rating]:checked").count() == 0  # nothing pre-set
    at.check("#confirm-form input[name=rating][value='5']")
    at.click("#confirm-form button[type=submit]")
    at.wait_for_selector("#ticket-state:has-text('已关闭')")
    assert at.evaluate("document.documentElement.scrollWidth") <= at.viewport_size["width"]
    at.shot("department-confirmed")
    ticket.refresh_from_db()
    assert ticket.state == "closed" and ticket.rating == 5


def test_engineer_responds_needs_a_visit_arrives_and_resolves(at, world, password):
    ticket = fault(world, "CT 图像传输到 PACS 延迟")
    login(at, world["engineer"], password)
    at.goto(f"/tickets/{ticket.pk}/")
    assert at.get_attribute("[data-clock=response]", "data-status") == "running"
    at.click("form[data-action=respond] button")
    at.wait_for_selector("#ticket-state:has-text('已响应')")
    assert at.get_attribute("[data-clock=response]", "data-status") == "met"
    at.click("form[data-action=require_onsite] button")
    at.wait_for_selector("#ticket-state:has-text('需到场')")
    assert at.get_attribute("[data-clock=onsite]", "data-status") == "running"
    at.shot("engineer-visit-needed")
    at.click("form[data-action=arrive] button")
    at.wait_for_selector("#ticket-state:has-text('已到场')")
    assert at.get_attribute("[data-clock=onsite]", "data-status") == "met"
    at.click("details:has(form[data-action=resolve]) > summary")
    form = at.locator("form[data-action=resolve]")
    form.locator("textarea[name=solution]").fill("更换交换机端口")
    form.locator("input[name=root_cause]").fill("端口故障")
    form.locator("button").click()
    at.wait_for_selector("#ticket-state:has-text('待确认')")
    assert at.get_attribute("[data-clock=resolution]", "data-status") == "met"
    timeline = at.inner_text("#timeline")
    assert "更换交换机端口" in timeline and world["engineer"].display_name in timeline
    at.shot("engineer-resolved")


def test_hospital_admin_filters_searches_exports_and_moves_a_ticket(at, world, password):
    ct = fault(world, "CT 工作站黑屏")
    fault(world, "CT 报告无法打印")
    fault(world, "超声设备无法传图")
    fault(world, "门诊挂号缓慢", contract=world["his"])
    login(at, world["admin"], password)
    at.goto("/tickets/")
    if getattr(at, "narrow", False):  # the list comes first on a phone; the filters open on demand
        assert not at.is_visible("#ticket-filters")
        at.click("#filter-box > summary")
    at.fill("#ticket-filters input[name=q]", "CT")
    at.click("#ticket-filters button[type=submit]")
    at.wait_for_load_state()
    rows = at.locator("#ticket-table tbody tr")
    assert rows.count() == 2 and "CT" in rows.first.inner_text()
    at.select_option("#ticket-filters select[name=contract]", str(world["pacs"].pk))
    at.click("#ticket-filters button[type=submit]")
    at.wait_for_load_state()
    assert at.locator("#ticket-table tbody tr").count() == 2
    at.shot("admin-filtered")
    with at.expect_download() as info:
        at.click("#export-ledger")
    with open(info.value.path(), "rb") as downloaded:  # a temporary file without an .xlsx suffix
        sheet = load_workbook(downloaded).worksheets[0]
    rows_read = list(sheet.iter_rows(values_only=True))
    column = rows_read[0].index("标题")
    titles = sorted(row[column] for row in rows_read[1:] if row[column])
    assert titles == ["CT 工作站黑屏", "CT 报告无法打印"]

    at.goto(f"/tickets/{ct.pk}/")
    at.click("#move-ticket > summary")
    at.select_option("#move-ticket select[name=contract]", str(world["his"].pk))
    at.fill("#move-ticket input[name=reason]", "实为 HIS 工作站故障")
    at.click("#move-ticket button[type=submit]")
    at.wait_for_selector("#ticket-contract:has-text('HIS厂商')")
    assert "转至其他合同" in at.inner_text("#timeline")
    at.shot("admin-moved")
    ct.refresh_from_db()
    assert ct.contract == world["his"] and ct.clocks.exists()


def test_vendor_manager_sees_the_at_risk_board_nearest_due_first(at, world, password):
    first, second = fault(world, "影像归档失败"), fault(world, "报告签名失败")
    Ticket.objects.filter(pk=first.pk).update(next_due_at=timezone.now() + timedelta(minutes=5))
    Ticket.objects.filter(pk=second.pk).update(next_due_at=timezone.now() + timedelta(minutes=50))
    fault(world, "门诊挂号缓慢", contract=world["his"])  # another vendor's: not on this board
    login(at, world["manager"], password)
    at.goto("/tickets/risk/")
    rows = at.locator("#ticket-table tbody tr")
    assert rows.count() == 2
    assert first.number in rows.nth(0).inner_text() and second.number in rows.nth(1).inner_text()
    assert "门诊挂号缓慢" not in at.inner_text("main")
    at.shot("manager-risk-board")


def test_auditor_reads_everything_and_can_write_nothing(at, world, password):
    ticket = fault(world, "PACS 无法登录")
    services.ticket_comment(actor=world["engineer"], ticket=ticket, body="已远程排查")
    login(at, world["auditor"], password)
    at.goto("/tickets/")
    assert ticket.number in at.inner_text("#ticket-table")
    at.goto(f"/tickets/{ticket.pk}/")
    assert "已远程排查" in at.inner_text("#timeline")
    assert at.locator("form.actionform").count() == 0 and at.locator("textarea[name=body]").count() == 0
    assert "当前无可执行的操作" in at.inner_text("main") and "只有查看权限" in at.inner_text("main")
    at.shot("auditor-ticket")
    at.goto("/audit/")
    assert at.locator("h1").inner_text().startswith("审计日志")
    at.goto(f"/contracts/{world['pacs'].pk}/")
    assert world["pacs"].title in at.inner_text("main") and at.locator("a[href*='/edit/']").count() == 0
    at.shot("auditor-contract")
    ticket.refresh_from_db()
    assert ticket.events.filter(actor=world["auditor"]).count() == 0
