"""The quarter's documents read back: the 记录单 XLSX and DOCX hold every ticket of the quarter and
no other; the calendar's states; who may produce, sign and read; the CLI writes the files."""

from __future__ import annotations

import hashlib
import io
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from docx import Document
from openpyxl import load_workbook

from weibao.accounts.choices import Role
from weibao.contracts.services import contract_grant
from weibao.documents.models import GeneratedDocument
from weibao.documents.render import docx_text
from weibao.reports.kinds import COLUMNS
from weibao.reports.selectors import contract_calendar
from weibao.reports.services import deliverable_produce, deliverable_sign
from weibao.testing.documents import FAKE_PDF, fake_libreoffice
from weibao.testing.factories import AuditorOrgFactory, member

pytestmark = pytest.mark.django_db

CODE = "quarterly-service-record"


def _content(doc: GeneratedDocument) -> bytes:
    with doc.file.open("rb") as f:
        return f.read()


def _by_suffix(documents):
    return {d.filename.rsplit(".", 1)[1]: d for d in documents}


def test_the_xlsx_lists_every_ticket_of_the_quarter_and_no_other(quarter):
    docs = _by_suffix(
        deliverable_produce(
            actor=quarter["engineer"], contract=quarter["contract"], code=CODE, period="2026Q3"
        )
    )
    sheet = load_workbook(io.BytesIO(_content(docs["xlsx"])), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [h for h, _k in COLUMNS["service_record"]]
    numbers = [r[1] for r in rows[1:]]
    assert numbers == [t.number for t in quarter["inside"]]
    for t in quarter["outside"]:
        assert t.number not in numbers
    worked = next(r for r in rows[1:] if r[1] == quarter["inside"][1].number)
    _n, _num, day, dept, _system, _cat, desc, handling, responded, resolved, engineer, confirmation = worked
    assert day == "2026-08-03 09:00" and dept == "超声科" and desc.startswith("三季度处理完的工单")
    assert "08-03 09:10 响应" in handling and "重启影像服务" in handling
    assert responded == "2026-08-03 09:10" and resolved == "2026-08-03 11:00"
    assert engineer == "工程师李" and confirmation.startswith("已确认 2026-08-03 12:00")
    assert docs["xlsx"].sha256 == hashlib.sha256(_content(docs["xlsx"])).hexdigest()


def test_the_docx_holds_the_rows_and_no_money(quarter):
    contract = quarter["contract"]
    docs = _by_suffix(
        deliverable_produce(actor=quarter["admin"], contract=contract, code=CODE, period="2026Q3")
    )
    content = _content(docs["docx"])
    table = Document(io.BytesIO(content)).tables[0]
    numbers = [row.cells[1].text for row in table.rows[1:]]
    assert numbers == [t.number for t in quarter["inside"]]
    text = docx_text(content)
    assert "2026Q3 季度维保服务记录单" in text and contract.hospital.name in text
    assert "本期工单共 3 件。" in text and "服务商（乙方）签字" in text and "信息科/信息中心签字" in text
    assert "180000" not in text and "180,000" not in text and "金额" not in text
    assert docs["docx"].produced_by == quarter["admin"] and docs["docx"].period == "2026Q3"


def test_an_empty_quarter_says_so(quarter):
    docs = _by_suffix(
        deliverable_produce(actor=None, contract=quarter["contract"], code=CODE, period="2026Q1")
    )
    assert "本期无记录。" in docx_text(_content(docs["docx"]))
    rows = list(
        load_workbook(io.BytesIO(_content(docs["xlsx"])), read_only=True).active.iter_rows(values_only=True)
    )
    assert len(rows) == 1


def test_the_inspection_report_summarises_the_period(quarter):
    docs = deliverable_produce(
        actor=quarter["manager"],
        contract=quarter["contract"],
        code="quarterly-inspection-report",
        period="2026Q3",
    )
    assert [d.filename.rsplit(".", 1)[1] for d in docs] == ["docx"]
    text = docx_text(_content(docs[0]))
    assert "应巡检" in text and "逾期" in text


def test_calendar_states_due_produced_signed(quarter):
    contract, admin = quarter["contract"], quarter["admin"]
    entries = {(e.spec.code, e.period.label): e for e in contract_calendar(contract, today=date(2026, 12, 1))}
    assert len(entries) == 8  # two deliverables × four quarters
    q3 = entries[(CODE, "2026Q3")]
    assert (q3.state, q3.overdue, q3.due) == ("due", True, date(2026, 9, 30))
    assert entries[(CODE, "2026Q4")].overdue is False
    with pytest.raises(ValidationError, match="请先生成"):
        deliverable_sign(
            actor=admin,
            contract=contract,
            code=CODE,
            period="2026Q3",
            signed_on=date(2026, 10, 9),
            signer="张主任",
        )
    deliverable_produce(actor=quarter["engineer"], contract=contract, code=CODE, period="2026Q3")
    q3 = next(
        e
        for e in contract_calendar(contract, today=date(2026, 12, 1))
        if e.period.label == "2026Q3" and e.spec.code == CODE
    )
    assert (
        q3.state == "produced"
        and not q3.overdue
        and {d.filename[-4:] for d in q3.documents} == {"docx", "xlsx"}
    )
    row = deliverable_sign(
        actor=admin,
        contract=contract,
        code=CODE,
        period="2026Q3",
        signed_on=date(2026, 10, 9),
        signer="张主任",
    )
    assert (row.state, row.signed_by_name, row.signed_on) == ("signed", "张主任", date(2026, 10, 9))
    # Printing again keeps the signature and the earlier files in the archive.
    deliverable_produce(actor=quarter["engineer"], contract=contract, code=CODE, period="2026Q3")
    q3 = next(
        e
        for e in contract_calendar(contract, today=date(2026, 12, 1))
        if e.period.label == "2026Q3" and e.spec.code == CODE
    )
    assert q3.state == "signed" and len(q3.documents) == 2
    assert GeneratedDocument.objects.filter(contract=contract, period="2026Q3").count() == 4


@pytest.mark.parametrize(
    ("code", "period", "message"),
    [
        ("nope", "2026Q3", "合同没有这项交付物"),
        (CODE, "2026M07", "不对应"),
        (CODE, "2026Q9", "期间格式不对"),
        (CODE, "2027Q1", "不在合同期内"),
    ],
)
def test_bad_targets_are_refused_with_reasons(quarter, code, period, message):
    with pytest.raises(ValidationError, match=message):
        deliverable_produce(actor=quarter["engineer"], contract=quarter["contract"], code=code, period=period)


def test_who_may_produce_and_sign(quarter):
    contract = quarter["contract"]
    with pytest.raises(PermissionDenied):
        deliverable_produce(actor=quarter["reporter"], contract=contract, code=CODE, period="2026Q3")
    deliverable_produce(actor=quarter["engineer"], contract=contract, code=CODE, period="2026Q3")
    with pytest.raises(PermissionDenied):
        deliverable_sign(
            actor=quarter["manager"],
            contract=contract,
            code=CODE,
            period="2026Q3",
            signed_on=date(2026, 10, 9),
            signer="x",
        )


def test_pages_department_users_see_nothing_auditors_read_with_a_grant(client_for, quarter):
    contract, admin = quarter["contract"], quarter["admin"]
    doc = deliverable_produce(actor=quarter["engineer"], contract=contract, code=CODE, period="2026Q3")[0]
    url = f"/deliverables/contract/{contract.pk}/"
    assert client_for(quarter["reporter"]).get(url).status_code == 403
    assert client_for(quarter["reporter"]).get("/deliverables/").status_code == 403
    api = client_for(quarter["reporter"]).get(f"/api/v1/contracts/{contract.pk}/deliverables")
    assert api.status_code == 403 and api.json()["code"] == "forbidden"
    auditor = member(AuditorOrgFactory(), Role.AUDITOR)
    assert client_for(auditor).get(url).status_code == 404
    assert client_for(auditor).get(f"/documents/{doc.pk}/download/").status_code == 404
    contract_grant(actor=admin, contract=contract, user=auditor)
    reader = client_for(auditor)
    page = reader.get(url)
    assert page.status_code == 200 and "2026Q3" in page.content.decode()
    assert 'class="produce"' not in page.content.decode()
    assert reader.get(f"/documents/{doc.pk}/download/").status_code == 200
    refused = reader.post(
        f"/api/v1/contracts/{contract.pk}/deliverables/produce",
        {"code": CODE, "period": "2026Q3"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    listing = reader.get("/deliverables/")
    assert listing.status_code == 200 and contract.code in listing.content.decode()


def test_api_calendar_produce_and_sign(client_for, quarter):
    contract = quarter["contract"]
    engineer = client_for(quarter["engineer"])
    made = engineer.post(
        f"/api/v1/contracts/{contract.pk}/deliverables/produce",
        {"code": CODE, "period": "2026Q3"},
        content_type="application/json",
    )
    assert made.status_code == 201
    files = made.json()
    assert sorted(f["filename"].rsplit(".", 1)[1] for f in files) == ["docx", "xlsx"]
    got = engineer.get(files[0]["download_url"])
    assert hashlib.sha256(b"".join(got.streaming_content)).hexdigest() == files[0]["sha256"]
    bad = engineer.post(
        f"/api/v1/contracts/{contract.pk}/deliverables/produce",
        {"code": CODE, "period": "2026Q7"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "期间格式不对" in str(bad.json()["detail"])
    signed = client_for(quarter["admin"]).post(
        f"/api/v1/contracts/{contract.pk}/deliverables/sign",
        {"code": CODE, "period": "2026Q3", "signed_on": "2026-10-09", "signer": "张主任"},
        content_type="application/json",
    )
    assert signed.status_code == 200 and signed.json()["state"] == "signed"
    cal = engineer.get(f"/api/v1/contracts/{contract.pk}/deliverables?period=2026Q3").json()
    states = {i["code"]: i["state"] for i in cal["items"]}
    assert states == {CODE: "signed", "quarterly-inspection-report": "due"}


def test_the_page_produces_and_signs(client_for, quarter):
    contract = quarter["contract"]
    url = f"/deliverables/contract/{contract.pk}/"
    engineer = client_for(quarter["engineer"])
    page = engineer.get(url).content.decode()
    assert 'class="produce"' in page and "sign-form" not in page
    answer = engineer.post(f"{url}produce/", {"code": CODE, "period": "2026Q3"}, follow=True)
    assert "已生成" in answer.content.decode()
    refused = engineer.post(f"{url}produce/", {"code": CODE, "period": "2027Q1"}, follow=True)
    assert refused.status_code == 200 and "不在合同期内" in refused.content.decode()
    admin = client_for(quarter["admin"])
    answer = admin.post(
        f"{url}sign/",
        {"code": CODE, "period": "2026Q3", "signed_on": "2026-10-09", "signer": "张主任"},
        follow=True,
    )
    assert "已登记签署" in answer.content.decode()
    assert (
        admin.post(
            f"{url}sign/", {"code": CODE, "period": "2026Q3", "signed_on": "bad"}, follow=True
        ).status_code
        == 200
    )


def test_cli_writes_the_files(quarter, tmp_path):
    out = io.StringIO()
    call_command(
        "deliverables",
        "build",
        "--contract",
        "HZ-PACS-2026",
        "--period",
        "2026Q3",
        "--out",
        str(tmp_path),
        stdout=out,
    )
    written = sorted(p.name for p in tmp_path.iterdir())
    assert len(written) == 3 and sum(name.endswith(".xlsx") for name in written) == 1
    for line in out.getvalue().strip().splitlines():
        sha, path = line.split("  ", 1)
        assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == sha
    xlsx = next(p for p in tmp_path.iterdir() if p.suffix == ".xlsx")
    numbers = [
        r[1] for r in load_workbook(xlsx, read_only=True).active.iter_rows(min_row=2, values_only=True)
    ]
    assert numbers == [t.number for t in quarter["inside"]]
    assert GeneratedDocument.objects.filter(contract=quarter["contract"], period="2026Q3").count() == 3


def test_cli_refuses_bad_input(quarter, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no contract"):
        call_command(
            "deliverables", "build", "--contract", "NOPE", "--period", "2026Q3", "--out", str(tmp_path)
        )
    with pytest.raises(CommandError, match="期间格式不对"):
        call_command(
            "deliverables", "build", "--contract", "HZ-PACS-2026", "--period", "Q3", "--out", str(tmp_path)
        )


def test_the_pdf_copy_is_linked_next_to_the_docx_and_read_like_it(
    client_for, quarter, monkeypatch, django_capture_on_commit_callbacks
):
    fake_libreoffice(monkeypatch)
    contract, admin = quarter["contract"], quarter["admin"]
    with django_capture_on_commit_callbacks(execute=True):
        made = deliverable_produce(actor=quarter["engineer"], contract=contract, code=CODE, period="2026Q3")
    docx = _by_suffix(made)["docx"]
    pdf = GeneratedDocument.objects.get(pdf_of=docx)
    assert _content(pdf) == FAKE_PDF and pdf.period == "2026Q3" and pdf.subject == docx.subject
    (entry,) = [
        e
        for e in contract_calendar(contract, today=date(2026, 10, 1), period="2026Q3")
        if e.spec.code == CODE
    ]
    assert sorted(d.filename.rsplit(".", 1)[1] for d in entry.documents) == ["docx", "xlsx"]
    url = f"/deliverables/contract/{contract.pk}/"
    page = client_for(quarter["engineer"]).get(url).content.decode()
    assert page.count(f'href="/documents/{pdf.pk}/download/"') == 1
    assert page.count('class="document-pdf"') == 1
    api = client_for(quarter["engineer"]).get(f"/api/v1/contracts/{contract.pk}/deliverables?period=2026Q3")
    files = {
        f["filename"].rsplit(".", 1)[1]: f
        for i in api.json()["items"]
        if i["code"] == CODE
        for f in i["documents"]
    }
    assert files["docx"]["pdf_download_url"] == f"/documents/{pdf.pk}/download/"
    assert files["xlsx"]["pdf_download_url"] is None
    auditor = member(AuditorOrgFactory(), Role.AUDITOR)
    assert client_for(auditor).get(f"/documents/{pdf.pk}/download/").status_code == 404
    contract_grant(actor=admin, contract=contract, user=auditor)
    got = client_for(auditor).get(f"/documents/{pdf.pk}/download/")
    assert got.status_code == 200 and b"".join(got.streaming_content) == FAKE_PDF
