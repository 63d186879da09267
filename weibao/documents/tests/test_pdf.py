"""PDF copies of stored DOCX files, made by LibreOffice in the background: a real conversion
(read back: a PDF, its SHA-256, an embedded Noto CJK font, the Chinese title), a failing one
(logged, the DOCX alone), and the copy's download (the DOCX's permission check)."""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess

import pytest

from weibao.accounts.choices import Role
from weibao.audit.models import AuditEvent
from weibao.documents import render, services
from weibao.documents.kinds import get_kind
from weibao.documents.models import GeneratedDocument
from weibao.documents.render import docx_text, render_docx
from weibao.testing.factories import member

KIND = "inspections.report"
TITLE = "示例医院 信息系统巡检报告"


def _report() -> bytes:
    kind = get_kind(KIND)
    content = render_docx(kind.default_bytes(), kind.sample_context())
    assert docx_text(content).splitlines()[0] == TITLE
    return content


def _store(hospital, actor, content: bytes, filename: str = "巡检报告.docx") -> GeneratedDocument:
    return services.document_store(
        actor=actor,
        hospital=hospital,
        contract=None,
        kind=KIND,
        title="巡检报告",
        filename=filename,
        content=content,
        subject="inspections.inspection:7",
        period="2026Q1",
    )


@pytest.mark.skipif(render.soffice() is None, reason="LibreOffice is not installed")
def test_a_stored_docx_gets_a_pdf_copy_with_cjk_fonts(
    hospital, other_hospital, client_for, django_capture_on_commit_callbacks, tmp_path
):
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        docx = _store(hospital, admin, _report())
    assert len(callbacks) == 1
    pdf = GeneratedDocument.objects.get(pdf_of=docx)
    assert docx.pdf == pdf
    assert (pdf.hospital_id, pdf.contract_id, pdf.kind, pdf.subject, pdf.period) == (
        hospital.pk,
        None,
        KIND,
        "inspections.inspection:7",
        "2026Q1",
    )
    assert pdf.filename == "巡检报告.pdf" and pdf.content_type == "application/pdf"
    with pdf.file.open("rb") as f:
        content = f.read()
    assert content.startswith(b"%PDF")
    assert pdf.sha256 == hashlib.sha256(content).hexdigest() != docx.sha256
    assert pdf.size == len(content)
    assert b"NotoSansCJK" in content or b"NotoSerifCJK" in content
    assert AuditEvent.objects.filter(action="document.produce", detail__pdf_of=docx.pk).count() == 1
    if shutil.which("pdftotext"):
        path = tmp_path / "copy.pdf"
        path.write_bytes(content)
        text = subprocess.run(
            ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout
        assert TITLE in text and "季度巡检" in text

    # The copy is downloaded like the DOCX: by its hospital, not by another one.
    response = client_for(admin).get(f"/documents/{pdf.pk}/download/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == content
    assert response["X-Content-SHA256"] == pdf.sha256
    stranger = member(other_hospital, Role.HOSPITAL_ADMIN)
    assert client_for(stranger).get(f"/documents/{pdf.pk}/download/").status_code == 404

    # Asked again (a job run twice), the existing copy is kept.
    assert services.document_pdf_copy(docx.pk) == pdf
    assert GeneratedDocument.objects.filter(pdf_of=docx).count() == 1


def test_a_failing_conversion_leaves_the_docx_alone_and_is_logged(
    hospital, client_for, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    false = shutil.which("false")
    assert false is not None
    monkeypatch.setattr(render, "soffice", lambda: false)  # exits 1
    monkeypatch.setattr(services, "soffice", lambda: false)
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    with (
        caplog.at_level(logging.WARNING, logger="weibao.documents"),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        docx = _store(hospital, admin, _report())
    assert len(callbacks) == 1
    assert list(GeneratedDocument.objects.all()) == [docx]
    assert docx.pdf is None
    assert f"failed to convert document {docx.pk} to PDF (exit 1)" in caplog.text
    page_docx = client_for(admin).get(f"/documents/{docx.pk}/download/")
    assert page_docx.status_code == 200


def test_a_conversion_that_times_out_is_logged(hospital, monkeypatch, caplog):
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    docx = _store(hospital, admin, _report())

    def slow(content: bytes) -> bytes:
        raise subprocess.TimeoutExpired(["soffice"], 120)

    monkeypatch.setattr(services, "docx_to_pdf", slow)
    with caplog.at_level(logging.WARNING, logger="weibao.documents"):
        assert services.document_pdf_copy(docx.pk) is None
    assert "took too long" in caplog.text
    assert list(GeneratedDocument.objects.all()) == [docx]


def test_no_copy_is_queued_without_libreoffice_or_for_other_files(
    hospital, django_capture_on_commit_callbacks, monkeypatch
):
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    monkeypatch.setattr(services, "soffice", lambda: "/usr/bin/soffice")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _store(hospital, admin, b"x", filename="记录单.xlsx")
    assert callbacks == []
    monkeypatch.setattr(services, "soffice", lambda: None)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _store(hospital, admin, b"x")
    assert callbacks == []
