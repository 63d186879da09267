"""The renderer (real DOCX and XLSX read back), the archive with its SHA-256, and the hospital's
own templates (checked by rendering before they are used; only its admins may change them)."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document
from openpyxl import load_workbook

from weibao.accounts.choices import Role
from weibao.audit.models import AuditEvent
from weibao.documents import services
from weibao.documents.models import DocumentTemplate, GeneratedDocument
from weibao.documents.render import Sheet, TemplateInvalid, docx_text, render_docx, render_xlsx
from weibao.testing.documents import CODE, ensure_sample_kind, sample_context, sample_template
from weibao.testing.factories import member


@pytest.fixture(autouse=True)
def kind():
    return ensure_sample_kind()


def test_a_docx_template_is_filled_and_its_rows_repeat():
    items = [{"name": "CPU", "result": "正常"}, {"name": "磁盘", "result": "异常 92%"}]
    content = render_docx(
        sample_template(), {"title": "巡检报告", "hospital": "惠州市中心人民医院", "items": items}
    )
    doc = Document(io.BytesIO(content))
    assert doc.paragraphs[0].text == "巡检报告"
    assert doc.paragraphs[1].text == "医院：惠州市中心人民医院"
    rows = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert rows == [["项目", "结果"], ["CPU", "正常"], ["磁盘", "异常 92%"], ["合计", "2"]]


def test_text_is_escaped_not_read_as_word_markup():
    content = render_docx(sample_template(), {**sample_context(), "hospital": "<w:p>A & B</w:p>"})
    assert "医院：<w:p>A & B</w:p>" in docx_text(content)


@pytest.mark.parametrize(
    ("template", "message"),
    [(b"not a zip", "不是有效的 DOCX"), (sample_template("{{ title "), "模板中的标记有误")],
)
def test_a_broken_template_says_why(template, message):
    with pytest.raises(TemplateInvalid, match=message):
        render_docx(template, sample_context())


def test_xlsx_rows_are_written_formula_safe_and_read_back():
    content = render_xlsx(
        [Sheet(title="记录单", header=["编号", "描述"], rows=[["T-1", '=HYPERLINK("x")'], ["T-2", "正常"]])]
    )
    ws = load_workbook(io.BytesIO(content))["记录单"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        ["编号", "描述"],
        ["T-1", '\'=HYPERLINK("x")'],
        ["T-2", "正常"],
    ]
    assert ws.freeze_panes == "A2"


def test_a_stored_document_keeps_its_sha256_and_is_audited(hospital):
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    content = render_docx(sample_template(), sample_context())
    doc = services.document_store(
        actor=admin,
        hospital=hospital,
        contract=None,
        kind=CODE,
        title="示例",
        filename="示例.docx",
        content=content,
        subject="testing.sample:1",
        period="2026Q3",
    )
    doc.refresh_from_db()
    assert doc.sha256 == hashlib.sha256(content).hexdigest()
    with doc.file.open("rb") as f:
        assert f.read() == content
    assert doc.size == len(content) and doc.produced_by == admin
    assert doc.content_type.endswith("wordprocessingml.document")
    event = AuditEvent.objects.get(action="document.produce")
    assert event.detail["sha256"] == doc.sha256 and event.organization_id == hospital.pk


def test_download_gives_the_file_and_its_hash_to_the_hospital_only(hospital, other_hospital, client_for):
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    doc = services.document_store(
        actor=admin,
        hospital=hospital,
        contract=None,
        kind=CODE,
        title="示例",
        filename="a.docx",
        content=b"abc",
    )
    response = client_for(admin).get(f"/documents/{doc.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"abc"
    assert response["X-Content-SHA256"] == hashlib.sha256(b"abc").hexdigest()
    stranger = member(other_hospital, Role.HOSPITAL_ADMIN)
    assert client_for(stranger).get(f"/documents/{doc.pk}/download/").status_code == 404


def test_a_hospitals_own_template_is_checked_then_used_then_reset(hospital):
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    assert services.template_bytes(CODE, hospital) == sample_template()
    with pytest.raises(ValidationError, match="模板中的标记有误"):
        services.template_upload(
            actor=admin, hospital=hospital, kind=CODE, content=sample_template("{% if %}")
        )
    assert not DocumentTemplate.objects.exists()
    own = sample_template("本院格式：{{ title }}")
    services.template_upload(actor=admin, hospital=hospital, kind=CODE, content=own)
    assert services.template_bytes(CODE, hospital) == own
    assert docx_text(render_docx(services.template_bytes(CODE, hospital), sample_context())).startswith(
        "本院格式：示例报告"
    )
    services.template_reset(actor=admin, hospital=hospital, kind=CODE)
    assert services.template_bytes(CODE, hospital) == sample_template()
    assert list(
        AuditEvent.objects.filter(action__startswith="document.template")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == [
        "document.template_upload",
        "document.template_reset",
    ]


@pytest.mark.parametrize("role", [Role.DEPARTMENT_USER, Role.VENDOR_MANAGER])
def test_only_the_hospitals_admins_change_its_templates(hospital, role):
    someone = member(hospital, role)
    with pytest.raises(PermissionDenied):
        services.template_upload(actor=someone, hospital=hospital, kind=CODE, content=sample_template())
    with pytest.raises(PermissionDenied):
        services.template_reset(actor=someone, hospital=hospital, kind=CODE)


def test_the_template_page_uploads_and_shows_the_hospitals_template(hospital, client_for):
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    client = client_for(admin)
    page = client.get("/documents/templates/").content.decode()
    assert "示例文档" in page and "默认模板" in page
    response = client.post(
        f"/documents/templates/{CODE}/upload/",
        {
            "hospital": hospital.pk,
            "file": SimpleUploadedFile("own.docx", sample_template("本院：{{ title }}")),
        },
        follow=True,
    )
    assert "已启用本院模板" in response.content.decode()
    assert "本院模板" in client.get("/documents/templates/").content.decode()
    got = client.get(f"/documents/templates/{CODE}/download/?hospital={hospital.pk}")
    assert docx_text(got.content).startswith("本院：")
    refused = client.post(
        f"/documents/templates/{CODE}/upload/",
        {"hospital": hospital.pk, "file": SimpleUploadedFile("x.txt", b"text")},
        follow=True,
    )
    assert "请上传 .docx 文件" in refused.content.decode()


def test_templates_are_only_the_managed_hospitals(hospital, other_hospital, client_for):
    """Naming another hospital in ?hospital= shows and changes the user's own hospital's templates."""
    admin_a = member(hospital, Role.HOSPITAL_ADMIN)
    client = client_for(admin_a)
    client.post(
        f"/documents/templates/{CODE}/upload/",
        {"hospital": other_hospital.pk, "file": SimpleUploadedFile("own.docx", sample_template())},
    )
    assert list(DocumentTemplate.objects.values_list("hospital_id", flat=True)) == [hospital.pk]
    page = client.get(f"/documents/templates/?hospital={other_hospital.pk}").content.decode()
    assert hospital.name in page and other_hospital.name not in page
    department_user = member(hospital, Role.DEPARTMENT_USER)
    assert client_for(department_user).get("/documents/templates/").status_code == 403


def test_no_document_is_lost_when_storing_fails(hospital, monkeypatch):
    """The row and its audit record go together: an audit failure stores nothing."""
    admin = member(hospital, Role.HOSPITAL_ADMIN)

    def boom(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(services, "audit_record", boom)
    with pytest.raises(RuntimeError):
        services.document_store(
            actor=admin,
            hospital=hospital,
            contract=None,
            kind=CODE,
            title="x",
            filename="x.docx",
            content=b"x",
        )
    assert not GeneratedDocument.objects.exists()
