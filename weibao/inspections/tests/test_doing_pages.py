"""The inspection pages and API: the form for the vendor, read-only for the others, htmx saves of
one item, a ticket in one click, signing from both sides, the frozen view, JSON errors."""

from __future__ import annotations

import pytest
from django.urls import reverse

from weibao.accounts.choices import Role
from weibao.accounts.models import AccessGrant
from weibao.inspections import doing
from weibao.inspections.models import Inspection, InspectionItem
from weibao.inspections.tests.test_doing import PNG, _fill_all
from weibao.testing.factories import AuditorOrgFactory, member

pytestmark = pytest.mark.django_db


def _page(client, inspection):
    return client.get(reverse("inspections:inspection_detail", args=[inspection.pk])).content.decode()


def test_the_vendor_starts_fills_and_opens_a_ticket_from_the_page(client_for, due, people):
    client = client_for(people["engineer"])
    page = _page(client, due)
    assert 'id="start-form"' in page and "现场" in page and "远程" in page
    client.post(reverse("inspections:inspection_start", args=[due.pk]), {"mode": "remote"})
    due.refresh_from_db()
    assert due.state == "started" and due.mode == "remote"
    page = _page(client, due)
    assert page.count('class="check-item"') == due.items.count()
    assert "机房温度" in page and 'data-warn-above="28.000"' in page and "inspection.js" in page
    temp = InspectionItem.objects.get(inspection=due, code="room_temperature")
    answer = client.post(
        reverse("inspections:item_save", args=[temp.pk]),
        {"result": "ok", "value": "31", "note": ""},
        HTTP_HX_REQUEST="true",
    )
    body = answer.content.decode()
    assert answer.status_code == 200 and 'data-result="abnormal"' in body and "转为工单" in body
    assert "<html" not in body  # the status line only: what is typed elsewhere stays
    bad = client.post(
        reverse("inspections:item_save", args=[temp.pk]), {"value": "abc"}, HTTP_HX_REQUEST="true"
    )
    assert "请填写数字" in bad.content.decode()
    ticket_answer = client.post(reverse("inspections:item_ticket", args=[temp.pk]), HTTP_HX_REQUEST="true")
    temp.refresh_from_db()
    assert temp.ticket is not None and temp.ticket.number in ticket_answer.content.decode()
    page = _page(client, due)
    assert reverse("servicedesk:ticket_detail", args=[temp.ticket_id]) in page
    listing = client.get(reverse("inspections:contract_plan", args=[due.contract_id])).content.decode()
    assert reverse("inspections:inspection_detail", args=[due.pk]) in listing and "进行中" in listing


def test_department_users_and_granted_auditors_read_only(client_for, hospital, due, people):
    doing.inspection_start(actor=people["engineer"], inspection=due, mode="onsite")
    auditor = member(AuditorOrgFactory(), Role.AUDITOR)
    assert client_for(auditor).get(reverse("inspections:inspection_detail", args=[due.pk])).status_code == 404
    AccessGrant.objects.create(user=auditor, hospital=hospital)
    item = due.items.first()
    for user in (people["department"], auditor, people["admin"]):
        client = client_for(user)
        page = _page(client, due)
        assert 'class="check-form"' not in page and 'id="start-form"' not in page
        refused = client.post(reverse("inspections:item_save", args=[item.pk]), {"result": "ok"})
        assert refused.status_code == 403
    item.refresh_from_db()
    assert item.result == ""


def test_signing_from_the_page_then_the_frozen_view(client_for, due, people):
    engineer, admin = client_for(people["engineer"]), client_for(people["admin"])
    doing.inspection_start(actor=people["engineer"], inspection=due, mode="onsite")
    early = admin.post(
        reverse("inspections:inspection_sign", args=[due.pk]),
        {"side": "hospital", "name": "张工"},
        follow=True,
    )
    assert "请先由厂商工程师签字" in early.content.decode()
    _fill_all(due, people["engineer"])
    engineer.post(
        reverse("inspections:inspection_findings", args=[due.pk]),
        {"findings": "正常", "recommendations": "无"},
    )
    engineer.post(
        reverse("inspections:inspection_sign", args=[due.pk]),
        {"side": "vendor", "name": "赵工", "signature": PNG},
    )
    page = _page(admin, due)
    assert "data-signature-pad" in page and 'id="sign-vendor" data-signed="yes"' in page
    image = admin.get(reverse("inspections:signature_image", args=[due.pk, "vendor"]))
    assert image["Content-Type"] == "image/png" and image.content.startswith(doing.PNG_MAGIC)
    admin.post(reverse("inspections:inspection_sign", args=[due.pk]), {"side": "hospital", "name": "张工"})
    due.refresh_from_db()
    assert due.state == "done"
    page = _page(engineer, due)
    assert 'id="frozen"' in page and "已完成" in page and 'class="check-form"' not in page
    item = due.items.first()
    answer = engineer.post(
        reverse("inspections:item_save", args=[item.pk]), {"result": "abnormal"}, HTTP_HX_REQUEST="true"
    )
    assert "冻结" in answer.content.decode()


def test_the_api_detail_item_update_ticket_and_sign(client_for, due, people):
    api = client_for(people["engineer"])
    started = api.post(
        f"/api/v1/inspections/{due.pk}/start", {"mode": "onsite"}, content_type="application/json"
    )
    assert started.status_code == 200 and started.json()["state"] == "started"
    detail = api.get(f"/api/v1/inspections/{due.pk}").json()
    assert len(detail["items"]) == due.items.count() and detail["signatures"] == []
    temp = next(i for i in detail["items"] if i["code"] == "room_temperature")
    assert (temp["unit"], temp["area_label"]) == ("℃", "机房环境")
    patched = api.patch(
        f"/api/v1/inspection-items/{temp['id']}", {"value": 12}, content_type="application/json"
    )
    assert patched.status_code == 200 and patched.json()["result"] == "abnormal"
    again = api.patch(
        f"/api/v1/inspection-items/{temp['id']}", {"note": "空调故障"}, content_type="application/json"
    )
    assert (again.json()["value"], again.json()["note"]) in ((12, "空调故障"), ("12.000", "空调故障"))
    bad = api.patch(
        f"/api/v1/inspection-items/{temp['id']}", {"result": "maybe"}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["code"] == "validation_error"
    ticket = api.post(f"/api/v1/inspection-items/{temp['id']}/ticket")
    assert ticket.status_code == 200 and ticket.json()["number"]
    refused = client_for(people["admin"]).patch(
        f"/api/v1/inspection-items/{temp['id']}", {"result": "ok"}, content_type="application/json"
    )
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    early = api.post(
        f"/api/v1/inspections/{due.pk}/signatures",
        {"side": "vendor", "name": "赵工"},
        content_type="application/json",
    )
    assert early.status_code == 400 and "未填写" in str(early.json()["detail"])
    _fill_all(Inspection.objects.get(pk=due.pk), people["engineer"])
    signed = api.post(
        f"/api/v1/inspections/{due.pk}/signatures",
        {"side": "vendor", "name": "赵工", "signature": PNG},
        content_type="application/json",
    )
    assert signed.status_code == 201 and signed.json()["drawn"] is True
    client_for(people["admin"]).post(
        f"/api/v1/inspections/{due.pk}/signatures",
        {"side": "hospital", "name": "张工"},
        content_type="application/json",
    )
    frozen = api.patch(
        f"/api/v1/inspection-items/{temp['id']}", {"note": "x"}, content_type="application/json"
    )
    assert frozen.status_code == 409 and "冻结" in frozen.json()["detail"]
    assert api.get(f"/api/v1/inspections/{due.pk}").json()["status"] == "done"
