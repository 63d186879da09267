"""The 巡检报告 (DOCX read back with python-docx, XLSX with openpyxl, archived with its SHA-256),
and 自动巡检 from a real probe run against DCMTK's storescp."""

from __future__ import annotations

import hashlib
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from docx import Document
from openpyxl import load_workbook

from weibao.contracts.models import Endpoint, MaintainedSystem
from weibao.documents.models import GeneratedDocument
from weibao.documents.render import docx_text
from weibao.inspections import doing, report
from weibao.inspections.models import InspectionItem
from weibao.probes import runtime
from weibao.probes.probing import probe_create
from weibao.probes.tests.conftest import storescp  # noqa: F401  (a fixture: the real DICOM peer)
from weibao.testing.documents import fake_libreoffice

from .test_doing import PNG, _fill_all, _item, _start

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(due, people):
    """An inspection filled (the machine room at 31 ℃ → 异常 with a ticket), with findings, signed
    by both sides with drawn signatures."""
    inspection = _start(due, people)
    engineer = people["engineer"]
    hot = doing.inspection_item_save(
        actor=engineer, item=_item(inspection, "room_temperature"), result="", value=Decimal(31)
    )
    ticket = doing.inspection_item_ticket(actor=engineer, item=hot)
    _fill_all(inspection, engineer)
    doing.inspection_findings_save(
        actor=engineer, inspection=inspection, findings="机房温度偏高", recommendations="检修空调"
    )
    doing.inspection_sign(actor=engineer, inspection=inspection, side="vendor", name="赵工", signature=PNG)
    doing.inspection_sign(
        actor=people["admin"], inspection=inspection, side="hospital", name="张工", signature=PNG
    )
    inspection.refresh_from_db()
    return inspection, ticket


def test_the_docx_report_has_every_item_both_signatures_and_two_copies(signed, people):
    inspection, ticket = signed
    doc = report.inspection_report_produce(actor=people["engineer"], inspection=inspection)
    with doc.file.open("rb") as f:
        content = f.read()
    assert doc.sha256 == hashlib.sha256(content).hexdigest()
    assert doc.subject == f"inspections.inspection:{inspection.pk}" and doc.contract == inspection.contract
    word = Document(io.BytesIO(content))
    items_table = word.tables[0]
    rows = [[c.text for c in row.cells] for row in items_table.rows][1:]
    labels = list(
        InspectionItem.objects.filter(inspection=inspection)
        .order_by("position")
        .values_list("label", flat=True)
    )
    assert [r[2] for r in rows] == labels  # every item, in report order
    hot = next(r for r in rows if r[2] == _item(inspection, "room_temperature").label)
    assert hot[3:5] == ["异常", "31 ℃"] and hot[6] == ticket.number
    text = docx_text(content)
    assert inspection.contract.hospital.name in text and inspection.contract.code in text
    assert "机房温度偏高" in text and "检修空调" in text and ticket.number in text
    assert "签字：赵工" in text and "签字：张工" in text
    assert "一式两份" in text
    assert len(word.inline_shapes) == 2  # both drawn signatures


def test_the_xlsx_lists_the_items(signed, people):
    inspection, _ticket = signed
    doc = report.inspection_report_produce(actor=people["admin"], inspection=inspection, fmt="xlsx")
    with doc.file.open("rb") as f:
        ws = load_workbook(io.BytesIO(f.read()))["巡检项"]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == report.ITEM_HEADER
    assert len(rows) - 1 == inspection.items.count()


def test_who_may_print(signed, people, client_for):
    inspection, _ticket = signed
    with pytest.raises(PermissionDenied):
        report.inspection_report_produce(actor=people["department"], inspection=inspection)
    response = client_for(people["admin"]).post(f"/inspections/{inspection.pk}/report/", {"format": "docx"})
    doc = GeneratedDocument.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/documents/{doc.pk}/download/"
    page = client_for(people["admin"]).get(f"/inspections/{inspection.pk}/").content.decode()
    assert doc.filename in page and doc.sha256[:14] in page
    assert client_for(people["department"]).post(f"/inspections/{inspection.pk}/report/").status_code == 403


def test_a_probe_run_fills_the_inspection_when_it_starts(due, people, storescp):  # noqa: F811
    system = MaintainedSystem.objects.filter(contract=due.contract, kind="PACS").first()
    endpoint = Endpoint.objects.create(
        system=system, name="PACS", kind="dicom", host="127.0.0.1", port=storescp, ae_title="PACS"
    )
    probe_create(actor=people["admin"], endpoint=endpoint, name="C-ECHO", kind="dicom-echo")
    assert runtime.run_due().ran == 1
    inspection = _start(due, people)
    echo = _item(inspection, "pacs/dicom_echo")
    assert (echo.result, echo.source) == ("ok", "probe") and echo.note.startswith("自动巡检：C-ECHO")
    # A person's reading stays; the refresh takes the probe's newer one for the rest.
    doing.inspection_item_save(actor=people["engineer"], item=echo, result="abnormal", note="现场：响应慢")
    assert doing.inspection_refresh_from_probes(actor=people["engineer"], inspection=inspection) == 0
    assert _item(inspection, "pacs/dicom_echo").note == "现场：响应慢"


def test_an_overdue_restore_test_is_a_line_of_the_next_inspection(due, people):
    """A backup policy whose last passed restore test is older than its interval asks the next
    inspection for one; a policy tested in time adds nothing."""
    from datetime import timedelta

    from django.utils import timezone

    from weibao.records import services as backup_records

    system = MaintainedSystem.objects.filter(contract=due.contract, kind="PACS").first()
    today = timezone.localdate()
    late = backup_records.policy_create(
        actor=people["admin"],
        system=system,
        name="PACS 数据库全备",
        scope="全库",
        location="备份机",
        restore_interval_days=90,
    )
    fresh = backup_records.policy_create(
        actor=people["admin"],
        system=system,
        name="影像归档",
        scope="影像",
        location="磁带库",
        restore_interval_days=90,
    )
    for policy, days in ((late, 91), (fresh, 10)):
        backup_records.restore_test_record(
            actor=people["admin"],
            policy=policy,
            tested_on=today - timedelta(days=days),
            restored="全库",
            target="测试库",
            result="passed",
            minutes=30,
            verified_by="张工",
        )
    inspection = _start(due, people)
    lines = list(
        inspection.items.filter(code__startswith="restore-test/").values_list("code", "label", "area")
    )
    assert len(lines) == 1
    code, label, area = lines[0]
    assert code == f"restore-test/{late.pk}" and area == "database"
    assert label.startswith("恢复测试逾期：PACS 数据库全备")


def test_the_reports_pdf_copy_is_linked_next_to_it(
    signed, people, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    fake_libreoffice(monkeypatch)
    inspection, _ticket = signed
    with django_capture_on_commit_callbacks(execute=True):
        docx = report.inspection_report_produce(actor=people["admin"], inspection=inspection)
    pdf = GeneratedDocument.objects.get(pdf_of=docx)
    assert report.reports_of(inspection) == [docx]
    page = client_for(people["admin"]).get(f"/inspections/{inspection.pk}/").content.decode()
    assert f'<a class="document-pdf" href="/documents/{pdf.pk}/download/"' in page
    assert pdf.filename not in page  # the copy is not listed as a report of its own
