"""服务报告 (seed 004: 每次服务完成后……应得到用户签字认可): written from a ticket with the ticket's
own timestamps, or from an inspection; signed by the department's user, frozen afterwards; the
vendor never signs, another hospital never sees it; the DOCX read back holds the fields; the
contract's quarters count the signed reports, and a 服务报告 deliverable lists them."""

from __future__ import annotations

import base64
import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from docx import Document

from weibao.accounts.choices import Role
from weibao.audit.models import AuditEvent
from weibao.contracts.models import MaintainedSystem
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.documents.models import GeneratedDocument
from weibao.inspections import doing as inspection_doing
from weibao.inspections.models import Inspection
from weibao.reports import service_reports as sr
from weibao.reports.models import ServiceReport
from weibao.reports.periods import BEIJING, parse_period
from weibao.reports.selectors import contracts_with_deliverables, service_report_tally
from weibao.reports.sources import service_report_rows
from weibao.servicedesk import services as sd
from weibao.testing.documents import fake_libreoffice
from weibao.testing.factories import DepartmentFactory, member

pytestmark = pytest.mark.django_db

PNG_1x1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=BEIJING)


@pytest.fixture
def site(hospital, vendor):
    """A seed-004 contract (镇海 regional platform), its people, and a level-1 fault in 放射科
    that the engineer answered, reached on site and fixed, with the times of each step."""
    contract = contract_create_from_template(
        actor=None,
        template=get_template("regional-zhenhai"),
        hospital=hospital,
        vendor=vendor,
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
        amount=Decimal("300000"),
        code="ZH-2026",
    )
    department = DepartmentFactory(hospital=hospital, name="放射科")
    people = {
        "admin": member(hospital, Role.HOSPITAL_ADMIN, display_name="信息科王"),
        "doctor": member(hospital, Role.DEPARTMENT_USER, department=department, display_name="放射科张医生"),
        "other_doctor": member(
            hospital, Role.DEPARTMENT_USER, department=DepartmentFactory(hospital=hospital, name="检验科")
        ),
        "engineer": member(vendor, Role.VENDOR_ENGINEER, display_name="工程师李"),
        "manager": member(vendor, Role.VENDOR_MANAGER),
    }
    system = MaintainedSystem.objects.filter(contract=contract).order_by("name").first()
    term = contract.terms.get(number=1)
    level1 = contract.severities.get(code="level1")
    t0 = at(2026, 10, 3, 3, 0)
    ticket = sd.ticket_create(
        actor=people["admin"],
        contract=contract,
        term=term,
        severity=level1,
        title="健康档案浏览器无法打开",
        description="点击后白屏",
        system=system,
        department=department,
        reporter=people["doctor"],
        created_at=t0,
        assignee=people["engineer"],
    )
    engineer = people["engineer"]
    for action, minutes, extra in (
        ("respond", 5, {}),
        ("require_onsite", 10, {}),
        ("arrive", 70, {}),
        ("resolve", 160, {"solution": "更换故障网卡并重启服务", "root_cause": "网卡故障"}),
    ):
        ticket = sd.ticket_transition(
            actor=engineer, ticket=ticket, action=action, at=t0 + timedelta(minutes=minutes), **extra
        )
    return {"contract": contract, "ticket": ticket, "department": department, "system": system, **people}


def _sign(site, report, **kw):
    values = {"signer_name": "张医生", "satisfaction": "satisfied", "comments": "处理及时"} | kw
    return sr.service_report_sign(actor=site["doctor"], report=report, **values)


def test_from_a_ticket_the_report_carries_the_tickets_timestamps(site):
    report = sr.service_report_create(actor=site["engineer"], ticket=site["ticket"])
    assert report.state == "draft" and report.source == "ticket"
    assert (
        report.hospital_id == site["contract"].hospital_id and report.department_id == site["department"].pk
    )
    assert report.reported_at == at(2026, 10, 3, 3, 0)
    assert report.arrived_at == at(2026, 10, 3, 4, 10)
    assert report.resolved_at == at(2026, 10, 3, 5, 40)
    assert report.department_name == "放射科" and report.systems == site["system"].name
    assert report.mode == "onsite" and report.engineer_name == "工程师李"
    assert report.fault == "健康档案浏览器无法打开：点击后白屏"
    assert "10-03 04:10" in report.handling and "更换故障网卡并重启服务" in report.result
    assert AuditEvent.objects.filter(action="service_report.create").count() == 1


def test_a_second_draft_of_the_same_ticket_is_refused(site):
    sr.service_report_create(actor=site["engineer"], ticket=site["ticket"])
    with pytest.raises(ValidationError, match="待用户签字"):
        sr.service_report_create(actor=site["engineer"], ticket=site["ticket"])


def test_the_engineer_edits_the_draft_and_bad_times_are_refused(site):
    report = sr.service_report_create(actor=site["engineer"], ticket=site["ticket"])
    report = sr.service_report_update(
        actor=site["engineer"], report=report, fields={"handling": "现场更换网卡", "mode": "onsite"}
    )
    assert report.handling == "现场更换网卡"
    with pytest.raises(ValidationError) as bad:
        sr.service_report_update(
            actor=site["engineer"], report=report, fields={"arrived_at": at(2026, 10, 3, 2, 0)}
        )
    assert "arrived_at" in bad.value.message_dict
    with pytest.raises(ValidationError):
        sr.service_report_update(actor=site["engineer"], report=report, fields={"mode": "by_pigeon"})
    with pytest.raises(PermissionDenied):  # the hospital does not write the vendor's report
        sr.service_report_update(actor=site["admin"], report=report, fields={"handling": "x"})


def test_the_department_user_signs_and_the_report_is_frozen(site):
    report = sr.service_report_create(actor=site["engineer"], ticket=site["ticket"])
    data_url = "data:image/png;base64," + base64.b64encode(PNG_1x1).decode()
    report = _sign(site, report, signature=data_url)
    assert report.state == "signed" and report.signed_by == site["doctor"]
    assert bytes(report.signature) == PNG_1x1 and report.signed_on is not None
    with pytest.raises(ValidationError, match="冻结"):
        sr.service_report_update(actor=site["engineer"], report=report, fields={"handling": "改"})
    with pytest.raises(ValidationError, match="冻结"):
        _sign(site, report)
    report.refresh_from_db()
    assert report.handling != "改"
    assert AuditEvent.objects.filter(action="service_report.sign", actor=site["doctor"]).exists()


@pytest.mark.parametrize("who", ["engineer", "manager", "other_doctor"])
def test_the_vendor_and_another_department_cannot_sign(site, who):
    report = sr.service_report_create(actor=site["engineer"], ticket=site["ticket"])
    with pytest.raises(PermissionDenied):
        sr.service_report_sign(actor=site[who], report=report, signer_name="x", satisfaction="satisfied")
    report.refresh_from_db()
    assert report.state == "draft"


def test_dissatisfied_needs_a_comment_and_a_bad_signature_is_refused(site):
    report = sr.service_report_create(actor=site["engineer"], ticket=site["ticket"])
    with pytest.raises(ValidationError) as e:
        _sign(site, report, satisfaction="dissatisfied", comments="")
    assert "comments" in e.value.message_dict
    with pytest.raises(ValidationError):
        _sign(site, report, signature="data:image/png;base64,bm90IGEgcG5n")
    with pytest.raises(ValidationError):
        _sign(site, report, satisfaction="ecstatic")


def test_the_docx_read_back_holds_the_fields_and_the_signature(site):
    report = sr.service_report_create(actor=site["engineer"], ticket=site["ticket"])
    report = _sign(site, report, signature="data:image/png;base64," + base64.b64encode(PNG_1x1).decode())
    document = sr.service_report_print(actor=site["engineer"], report=report)
    assert document.kind == "reports.service_report" and len(document.sha256) == 64
    doc = Document(io.BytesIO(document.file.read()))
    text = "\n".join(
        [p.text for p in doc.paragraphs]
        + [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    )
    for expected in (
        report.number,
        "放射科",
        "健康档案浏览器无法打开：点击后白屏",
        "2026-10-03 03:00",
        "2026-10-03 04:10",
        "2026-10-03 05:40",
        "工程师李",
        "更换故障网卡并重启服务",
        "满意",
        "张医生",
        "处理及时",
        f"工单 {site['ticket'].number}",
        "用户已于",
    ):
        assert expected in text, expected
    assert doc.inline_shapes, "the drawn signature is a picture in the document"
    import hashlib

    document.file.seek(0)
    assert hashlib.sha256(document.file.read()).hexdigest() == document.sha256


def test_from_an_inspection_the_report_takes_its_systems_and_findings(site):
    inspection = Inspection.objects.filter(contract=site["contract"]).order_by("due").first()
    with pytest.raises(ValidationError, match="尚未开始"):
        sr.service_report_create(actor=site["engineer"], inspection=inspection)
    inspection_doing.inspection_start(actor=site["engineer"], inspection=inspection, mode="onsite")
    inspection.refresh_from_db()
    inspection.findings = "交换平台消息队列积压"
    inspection.save(update_fields=["findings"])
    report = sr.service_report_create(
        actor=site["engineer"], inspection=inspection, fields={"department_name": "信息科"}
    )
    assert report.source == "inspection" and report.arrived_at == inspection.started_at
    assert site["system"].name in report.systems and "消息队列积压" in report.handling
    assert report.department_name == "信息科" and inspection.name in report.fault
    # No department: the hospital's IT signs it, not a department user.
    with pytest.raises(PermissionDenied):
        _sign(site, report)
    report = sr.service_report_sign(actor=site["admin"], report=report, signer_name="王", satisfaction="fair")
    assert report.state == "signed"


def test_the_quarters_count_the_signed_reports_and_the_deliverable_lists_them(site):
    contract = site["contract"]
    first = sr.service_report_create(actor=site["engineer"], ticket=site["ticket"])
    first = _sign(site, first)
    sr.service_report_create(actor=site["engineer"], ticket=site["ticket"])  # a second visit, unsigned
    signed_quarter = parse_period(f"{first.signed_on.year}Q{(first.signed_on.month - 1) // 3 + 1}")
    tally = {t.period.label: t for t in service_report_tally(contract, today=first.signed_on)}
    assert tally[signed_quarter.label].signed == 1 and tally[signed_quarter.label].drafts == 1
    assert sum(t.signed for t in tally.values()) == 1
    rows = service_report_rows(contract, signed_quarter)
    assert [r["number"] for r in rows] == [first.number] and rows[0]["satisfaction"] == "满意"
    assert service_report_rows(contract, parse_period("2026Q1")) == []
    # Seed 004 lists no periodic deliverable, but asks for the report: its deliverables page shows it.
    assert contracts_with_deliverables(type(contract).objects.filter(pk=contract.pk)).exists()


def test_department_users_see_their_departments_reports_only(site, client_for):
    report = sr.service_report_create(actor=site["engineer"], ticket=site["ticket"])
    assert ServiceReport.objects.visible_to(site["doctor"]).filter(pk=report.pk).exists()
    assert not ServiceReport.objects.visible_to(site["other_doctor"]).filter(pk=report.pk).exists()
    url = reverse("reports:service_report_detail", args=[report.pk])
    assert client_for(site["other_doctor"]).get(url).status_code == 404
    assert client_for(site["doctor"]).get(url).status_code == 200


def test_api_create_read_edit_sign_and_frozen(site, client_for):
    engineer = client_for(site["engineer"])
    made = engineer.post(
        "/api/v1/service-reports",
        {"ticket_id": site["ticket"].pk, "result": "已恢复"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["reported_at"].startswith("2026-10-02T19:00:00") and body["result"] == "已恢复"
    rid = body["id"]
    assert engineer.get(f"/api/v1/service-reports/{rid}").json()["state"] == "draft"
    listed = engineer.get(f"/api/v1/service-reports?ticket={site['ticket'].pk}").json()["items"]
    assert [r["id"] for r in listed] == [rid]
    assert (
        engineer.patch(
            f"/api/v1/service-reports/{rid}", {"handling": "远程排查后上门"}, content_type="application/json"
        ).json()["handling"]
        == "远程排查后上门"
    )
    refused = engineer.post(
        f"/api/v1/service-reports/{rid}/sign",
        {"signer_name": "李", "satisfaction": "satisfied"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    signed = client_for(site["doctor"]).post(
        f"/api/v1/service-reports/{rid}/sign",
        {"signer_name": "张医生", "satisfaction": "satisfied"},
        content_type="application/json",
    )
    assert signed.status_code == 200 and signed.json()["state"] == "signed"
    frozen = engineer.patch(
        f"/api/v1/service-reports/{rid}", {"handling": "改"}, content_type="application/json"
    )
    assert frozen.status_code == 400 and "冻结" in str(frozen.json()["detail"])
    assert [r["id"] for r in engineer.get("/api/v1/service-reports?state=signed").json()["items"]] == [rid]
    assert engineer.get("/api/v1/service-reports?state=draft").json()["items"] == []
    assert engineer.get("/api/v1/service-reports?state=bogus").status_code == 422
    printed = engineer.post(f"/api/v1/service-reports/{rid}/print")
    assert printed.status_code == 201 and len(printed.json()["sha256"]) == 64
    bad = engineer.post(
        "/api/v1/service-reports",
        {"ticket_id": site["ticket"].pk, "inspection_id": 1},
        content_type="application/json",
    )
    assert bad.status_code == 400
    garbage = engineer.post("/api/v1/service-reports", {"ticket_id": "x"}, content_type="application/json")
    assert garbage.status_code == 422
    not_a_time = engineer.post(
        "/api/v1/service-reports",
        {"ticket_id": site["ticket"].pk, "arrived_at": 1759460000},
        content_type="application/json",
    )
    assert not_a_time.status_code == 422


def test_pages_write_from_the_ticket_and_the_user_signs_on_the_engineers_phone(site, client_for):
    engineer = client_for(site["engineer"])
    ticket_page = engineer.get(
        reverse("servicedesk:ticket_detail", args=[site["ticket"].pk])
    ).content.decode()
    assert "填写服务报告" in ticket_page
    doctor_view = client_for(site["doctor"]).get(
        reverse("servicedesk:ticket_detail", args=[site["ticket"].pk])
    )
    assert "填写服务报告" not in doctor_view.content.decode()
    new = reverse("reports:service_report_new") + f"?ticket={site['ticket'].pk}"
    form = engineer.get(new).content.decode()
    assert "2026-10-03T04:10" in form and "健康档案浏览器无法打开" in form
    posted = engineer.post(
        reverse("reports:service_report_new"),
        {
            "ticket": site["ticket"].pk,
            "department_name": "放射科",
            "systems": "健康档案浏览器",
            "mode": "onsite",
            "fault": "无法打开",
            "handling": "更换网卡",
            "reported_at": "2026-10-03T03:00",
            "arrived_at": "2026-10-03T04:10",
            "resolved_at": "2026-10-03T05:40",
            "engineer_name": "工程师李",
        },
    )
    report = ServiceReport.objects.get()
    assert posted.status_code == 302 and report.arrived_at == at(2026, 10, 3, 4, 10)
    detail = reverse("reports:service_report_detail", args=[report.pk])
    assert "签字人密码" in engineer.get(detail).content.decode()  # handed over: the user's own account
    sign = reverse("reports:service_report_sign", args=[report.pk])
    fields = {
        "signer_name": "张医生",
        "satisfaction": "satisfied",
        "signer_username": site["doctor"].username,
    }
    wrong = engineer.post(sign, fields | {"signer_password": "wrong"})
    assert wrong.status_code == 400 and "账号或密码不正确" in wrong.content.decode()
    site["other_doctor"].set_password("pw-other-1234")
    site["other_doctor"].save()
    elsewhere = engineer.post(
        sign, fields | {"signer_username": site["other_doctor"].username, "signer_password": "pw-other-1234"}
    )
    assert elsewhere.status_code == 400
    site["doctor"].set_password("pw-doctor-1234")
    site["doctor"].save()
    site["admin"].set_password("pw-admin-1234")
    site["admin"].save()
    admin_fields = fields | {"signer_username": site["admin"].username, "signer_password": "pw-admin-1234"}
    needs_second_factor = engineer.post(sign, admin_fields)
    assert needs_second_factor.status_code == 400 and "双重验证" in needs_second_factor.content.decode()
    done = engineer.post(sign, fields | {"signer_password": "pw-doctor-1234"})
    assert done.status_code == 302
    report.refresh_from_db()
    assert report.state == "signed" and report.signed_by == site["doctor"]
    event = AuditEvent.objects.get(action="service_report.sign")
    assert event.actor == site["doctor"] and event.detail["on_device_of"] == site["engineer"].username
    edit = engineer.post(
        reverse("reports:service_report_edit", args=[report.pk]),
        {"mode": "onsite", "fault": "改", "handling": "改"},
    )
    assert edit.status_code == 400 and "冻结" in edit.content.decode()
    report.refresh_from_db()
    assert report.fault == "无法打开"
    listing = client_for(site["admin"]).get(
        reverse("reports:contract_service_reports", args=[site["contract"].pk])
    )
    assert report.number in listing.content.decode()


def test_a_service_report_deliverable_prints_the_periods_signed_reports(site):
    """A contract that lists a quarterly 服务报告 deliverable gets it printed from the signed reports."""
    from weibao.reports import services as deliverables

    contract = site["contract"]
    contract.obligations = {
        **contract.obligations,
        "deliverables": [{"code": "service-report", "name": "季度服务报告汇总", "period": "quarter"}],
    }
    contract.save(update_fields=["obligations"])
    report = _sign(site, sr.service_report_create(actor=site["engineer"], ticket=site["ticket"]))
    quarter = f"{report.signed_on.year}Q{(report.signed_on.month - 1) // 3 + 1}"
    (document,) = deliverables.deliverable_produce(
        actor=site["engineer"], contract=contract, code="service-report", period=quarter
    )
    assert document.kind == "reports.service_reports"
    doc = Document(io.BytesIO(document.file.read()))
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    text = "\n".join([p.text for p in doc.paragraphs] + cells)
    assert report.number in cells and "放射科" in cells and "满意" in cells
    assert "本期经用户签字确认的服务报告共 1 份" in text


def test_the_pages_show_the_tally_and_the_inspection_link(site, client_for):
    report = _sign(site, sr.service_report_create(actor=site["engineer"], ticket=site["ticket"]))
    quarter = f"{report.signed_on.year}Q{(report.signed_on.month - 1) // 3 + 1}"
    page = (
        client_for(site["admin"])
        .get(reverse("reports:contract_deliverables", args=[site["contract"].pk]))
        .content.decode()
    )
    assert "售后服务报告" in page and f'data-period="{quarter}"' in page
    row = page.split(f'data-period="{quarter}"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="signed-count">1</td>' in row
    contract_page = (
        client_for(site["engineer"])
        .get(reverse("contracts:contract_detail", args=[site["contract"].pk]))
        .content.decode()
    )
    assert "已签字 1 份，待签字 0 份" in contract_page and "contract-service-reports-link" in contract_page
    inspection = Inspection.objects.filter(contract=site["contract"]).order_by("due").first()
    url = reverse("inspections:inspection_detail", args=[inspection.pk])
    engineer = client_for(site["engineer"])
    assert "填写服务报告" not in engineer.get(url).content.decode()  # not started yet
    inspection_doing.inspection_start(actor=site["engineer"], inspection=inspection, mode="onsite")
    assert f"?inspection={inspection.pk}" in engineer.get(url).content.decode()
    form = engineer.get(reverse("reports:service_report_new"), {"inspection": inspection.pk})
    assert form.status_code == 200 and inspection.name in form.content.decode()
    refused = client_for(site["admin"]).get(
        reverse("reports:service_report_new"), {"ticket": site["ticket"].pk}
    )
    assert refused.status_code == 403


def test_a_ticket_with_a_report_is_not_deleted_under_it(site):
    from django.db.models import RestrictedError

    sr.service_report_create(actor=site["engineer"], ticket=site["ticket"])
    with pytest.raises(RestrictedError):
        site["ticket"].delete()
    assert ServiceReport.objects.count() == 1


def test_a_printed_reports_pdf_copy_is_linked_next_to_it(
    site, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    fake_libreoffice(monkeypatch)
    report = _sign(site, sr.service_report_create(actor=site["engineer"], ticket=site["ticket"]))
    with django_capture_on_commit_callbacks(execute=True):
        docx = sr.service_report_print(actor=site["engineer"], report=report)
    pdf = GeneratedDocument.objects.get(pdf_of=docx)
    assert sr.printed_of(report) == [docx]
    page = client_for(site["engineer"]).get(f"/service-reports/{report.pk}/").content.decode()
    assert f'href="/documents/{docx.pk}/download/"' in page
    assert f'<a class="document-pdf" href="/documents/{pdf.pk}/download/"' in page
    assert page.count(docx.filename) == 1  # the copy is not listed as a print of its own
