"""Data changes and change requests are started from the ticket in the UI and walked through
their approval steps on their pages, each step by the party the step belongs to."""

from __future__ import annotations

import pytest
from django.urls import reverse

from weibao.servicedesk.models import ChangeRequest, DataChange
from weibao.servicedesk.services import ticket_create

pytestmark = pytest.mark.django_db


def _ticket(seed, people, number, title):
    contract = seed("pacs-huizhou")
    term = contract.terms.get(number=number)
    return ticket_create(actor=people["doctor"], contract=contract, term=term, title=title)


def test_a_data_recovery_ticket_offers_a_data_change_walked_to_verified(seed, people, client_for):
    ticket = _ticket(seed, people, 5, "误删一名患者的检查记录")
    engineer, admin, doctor = (client_for(people[k]) for k in ("engineer", "admin", "doctor"))
    page = engineer.get(reverse("servicedesk:ticket_detail", args=[ticket.pk])).content.decode()
    assert "登记数据变更" in page and "提出需求变更" not in page
    assert (
        "登记数据变更"
        not in doctor.get(reverse("servicedesk:ticket_detail", args=[ticket.pk])).content.decode()
    )

    url = reverse("servicedesk:data_change_new") + f"?ticket={ticket.pk}"
    form = engineer.get(url).content.decode()
    assert ticket.number in form and 'value="recovery" selected' in form
    refused = engineer.post(url, {"contract": ticket.contract_id, "kind": "recovery", "reason": "误删"})
    assert refused.status_code == 200 and "数据恢复须填写恢复说明" in refused.content.decode()
    assert not DataChange.objects.exists()
    done = engineer.post(
        url,
        {
            "contract": ticket.contract_id,
            "kind": "recovery",
            "reason": "误删检查记录",
            "patient_ids": "MR0012345\nMR0067890",
            "after": "从 3 月 1 日的备份恢复 2 条记录",
        },
    )
    record = DataChange.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse(
        "servicedesk:data_change_detail", args=[record.pk]
    )
    assert record.ticket == ticket and record.get_patient_ids() == ["MR0012345", "MR0067890"]
    assert "MR0012345" not in engineer.get(done["Location"]).content.decode()  # masked

    detail = reverse("servicedesk:data_change_detail", args=[record.pk])
    assert "批准" not in engineer.get(detail).content.decode()
    assert "批准" in admin.get(detail).content.decode()
    admin.post(detail, {"step": "approve"})
    assert "登记执行" in engineer.get(detail).content.decode()
    assert "登记执行" not in doctor.get(detail).content.decode()
    engineer.post(detail, {"step": "execute", "note": "已恢复"})
    admin.post(detail, {"step": "verify"})
    record.refresh_from_db()
    assert record.state == "verified" and record.executed_by == people["engineer"]
    ticket_page = admin.get(reverse("servicedesk:ticket_detail", args=[ticket.pk])).content.decode()
    assert f"数据恢复 #{record.pk}" in ticket_page and "已核验" in ticket_page


def test_a_change_request_from_a_ticket_goes_through_assessment_approval_and_deployment(
    seed, people, client_for
):
    ticket = _ticket(seed, people, 3, "超声报告增加图片数量上限")
    engineer, admin, doctor = (client_for(people[k]) for k in ("engineer", "admin", "doctor"))
    assert (
        "提出需求变更" in doctor.get(reverse("servicedesk:ticket_detail", args=[ticket.pk])).content.decode()
    )
    url = reverse("servicedesk:change_request_new") + f"?ticket={ticket.pk}"
    assert ticket.title in doctor.get(url).content.decode()  # prefilled
    doctor.post(
        url, {"contract": ticket.contract_id, "title": ticket.title, "requirement": "上限由 4 张改为 8 张"}
    )
    cr = ChangeRequest.objects.get()
    assert cr.ticket == ticket and cr.requested_by == people["doctor"]
    detail = reverse("servicedesk:change_request_detail", args=[cr.pk])
    assert "等待厂商评估" in doctor.get(detail).content.decode()

    page = engineer.post(detail, {"step": "assess", "assess-assessment": "需改模板", "assess-in_scope": "0"})
    assert page.status_code == 200 and "须填写报价" in page.content.decode()
    engineer.post(
        detail,
        {"step": "assess", "assess-assessment": "需改模板", "assess-in_scope": "0", "assess-quote": "3000"},
    )
    assert engineer.post(detail, {"step": "approve"}).status_code == 403  # the hospital's step
    admin.post(detail, {"step": "approve"})
    engineer.post(detail, {"step": "develop"})
    engineer.post(detail, {"step": "test"})
    bad = engineer.post(detail, {"step": "deploy", "deploy-deployed_on": "2026-02-30"})
    assert bad.status_code == 200 and "deploy-deployed_on" in bad.content.decode()
    engineer.post(detail, {"step": "deploy", "deploy-deployed_on": "2026-12-01"})
    cr.refresh_from_db()
    assert cr.state == "deployed" and not cr.in_scope and str(cr.quote) == "3000.00"
    history = admin.get(detail).content.decode()
    for label in ("已提出", "已评估", "已批准", "开发中", "测试中", "已上线"):
        assert label in history
