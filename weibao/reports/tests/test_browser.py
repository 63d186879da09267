"""A vendor engineer opens the deliverables, produces the quarter's 记录单 from the calendar and
downloads it, on a desktop and on a 390×844 phone; the downloaded XLSX holds the quarter's tickets."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from openpyxl import load_workbook

from weibao.documents.models import GeneratedDocument
from weibao.documents.render import soffice
from weibao.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("var/screenshots")
ROW = '.deliverable[data-code="quarterly-service-record"][data-period="2026Q3"]'


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("desktop", {"viewport": {"width": 1280, "height": 900}}),
        ("phone", {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}),
    ],
)
def test_produce_and_download_the_service_record(new_context, quarter, password, tmp_path, name, options):
    SHOTS.mkdir(parents=True, exist_ok=True)
    ctx = new_context(accept_downloads=True, **options)
    page = ctx.new_page()
    page.set_default_timeout(15000)
    login(page, quarter["engineer"].username, password)
    page.goto("/deliverables/")
    page.wait_for_selector("h1:has-text('交付物')")
    page.screenshot(path=str(SHOTS / f"deliverables-list-{name}.png"), full_page=True)
    page.click("a.contract-link:has-text('HZ-PACS-2026')")
    page.wait_for_selector("h1:has-text('HZ-PACS-2026 交付物')")
    row = page.locator(ROW)
    assert row.get_attribute("data-state") == "due"
    row.locator("button.produce").click()
    page.wait_for_selector(f'{ROW}[data-state="produced"]')
    assert "已生成" in page.locator(".messages, .message, body").first.inner_text()
    row = page.locator(ROW)
    assert row.locator("a.document-link").count() == 2
    if soffice() is not None:  # the DOCX's PDF copy, made once the DOCX was stored (inline in tests)
        assert row.locator("a.document-pdf").all_inner_texts() == ["PDF"]
    assert page.evaluate("document.documentElement.scrollWidth") <= options["viewport"]["width"] + 10
    row.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"deliverables-contract-{name}.png"), full_page=True)
    with page.expect_download() as info:
        row.locator("a.document-link:has-text('xlsx')").click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.suffix == ".xlsx"
    stored = GeneratedDocument.objects.get(filename=saved.name)
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == stored.sha256
    numbers = [
        r[1] for r in load_workbook(saved, read_only=True).active.iter_rows(min_row=2, values_only=True)
    ]
    assert numbers == [t.number for t in quarter["inside"]]
    if soffice() is not None:
        with page.expect_download() as info:
            row.locator("a.document-pdf").click()
        saved = tmp_path / info.value.suggested_filename
        info.value.save_as(saved)
        stored = GeneratedDocument.objects.get(filename=saved.name)
        assert saved.suffix == ".pdf" and stored.pdf_of is not None
        assert saved.read_bytes().startswith(b"%PDF")
        assert hashlib.sha256(saved.read_bytes()).hexdigest() == stored.sha256
