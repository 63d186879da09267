"""Meeting minutes whose action item becomes a change request, and tuning records, by period."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from weibao.accounts.choices import Role
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.records import meetings, selectors
from weibao.servicedesk.models import ChangeRequest
from weibao.testing.factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def drg(hospital, vendor):
    contract = contract_create_from_template(
        actor=None,
        template=get_template("drg-wuhan"),
        hospital=hospital,
        vendor=vendor,
        start=date(2026, 1, 1),
        amount=Decimal("100000"),
        code="DRG-REC",
    )
    return contract, member(hospital, Role.HOSPITAL_ADMIN), member(vendor, Role.VENDOR_MANAGER)


def test_an_action_item_becomes_a_change_request_once(drg):
    contract, admin, manager = drg
    minutes = meetings.minutes_record(
        actor=manager,
        contract=contract,
        held_on=date(2026, 11, 3),
        title="DRG 第四季度需求沟通",
        attendees="信息科 张三；病案科 李四；厂商 王五",
        topics="分组器升级；病案首页校验规则",
        decisions="12 月上线新版校验规则",
        actions=[meetings.Action("病案首页增加主诊断校验", "王五", date(2026, 12, 15))],
    )
    item = minutes.actions.get()
    meetings.action_to_change_request(actor=admin, item=item)
    cr = ChangeRequest.objects.get(pk=item.change_request_id)
    assert cr.contract_id == contract.pk and cr.title == "病案首页增加主诊断校验"
    assert "DRG 第四季度需求沟通" in cr.requirement and "王五" in cr.requirement
    with pytest.raises(ValidationError):
        meetings.action_to_change_request(actor=admin, item=item)
    q4 = list(selectors.meeting_minutes(contract, date(2026, 10, 1), date(2027, 1, 1)))
    assert [m.pk for m in q4] == [minutes.pk]
    assert list(selectors.meeting_minutes(contract, date(2026, 7, 1), date(2026, 10, 1))) == []


def test_minutes_and_tuning_check_their_input(drg, other_hospital):
    contract, _admin, manager = drg
    with pytest.raises(ValidationError) as exc:
        meetings.minutes_record(
            actor=manager,
            contract=contract,
            held_on=date(2099, 1, 1),
            title="",
            attendees="",
            topics="x",
            actions=[meetings.Action("x", "")],
        )
    assert set(exc.value.message_dict) == {"held_on", "title", "attendees", "actions"}
    with pytest.raises(PermissionDenied):
        meetings.tuning_record(
            actor=member(other_hospital, Role.HOSPITAL_ADMIN),
            contract=contract,
            done_on=date(2026, 11, 1),
            what="x",
            why="x",
            measure="x",
            before="1",
            after="2",
        )


def test_tuning_records_of_a_period_through_the_api(drg, client_for):
    contract, admin, manager = drg
    api = client_for(manager)
    made = api.post(
        f"/api/v1/contracts/{contract.pk}/tuning-records",
        json.dumps(
            {
                "done_on": "2026-11-10",
                "what": "分组查询增加索引",
                "why": "月底结算查询慢",
                "measure": "分组结果查询 P95",
                "before": "8.2 秒",
                "after": "0.6 秒",
            }
        ),
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["after"] == "0.6 秒"
    rows = list(selectors.tuning_records(contract, date(2026, 10, 1), date(2027, 1, 1)))
    assert [r.what for r in rows] == ["分组查询增加索引"]
    bad = api.post(
        f"/api/v1/contracts/{contract.pk}/tuning-records",
        json.dumps(
            {"done_on": "2026-11-10", "what": "x", "why": " ", "measure": "x", "before": "1", "after": "2"}
        ),
        content_type="application/json",
    )
    assert bad.status_code == 400 and "why" in bad.json()["detail"]
    minutes = api.post(
        f"/api/v1/contracts/{contract.pk}/meeting-minutes",
        json.dumps(
            {
                "held_on": "2026-11-03",
                "title": "需求沟通",
                "attendees": "甲；乙",
                "topics": "报表",
                "actions": [{"description": "新增月报", "owner": "乙"}],
            }
        ),
        content_type="application/json",
    )
    assert minutes.status_code == 201
    item_id = minutes.json()["actions"][0]["id"]
    changed = client_for(admin).post(
        f"/api/v1/action-items/{item_id}/change-request", json.dumps({}), content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["change_request_id"]


def test_the_contract_page_shows_minutes_and_turns_an_item_into_a_change_request(drg, client_for):
    from django.urls import reverse

    contract, admin, manager = drg
    minutes = meetings.minutes_record(
        actor=manager,
        contract=contract,
        held_on=date(2026, 11, 3),
        title="月度需求会",
        attendees="甲；乙",
        topics="报表",
        actions=[meetings.Action("新增科室月报", "乙")],
    )
    meetings.tuning_record(
        actor=manager,
        contract=contract,
        done_on=date(2026, 11, 4),
        what="索引",
        why="慢",
        measure="P95",
        before="8 秒",
        after="1 秒",
    )
    client = client_for(admin)
    page = client.get(reverse("records:contract_records", args=[contract.pk])).content.decode()
    assert "月度需求会" in page and "转为需求变更" in page and "8 秒" in page
    item = minutes.actions.get()
    client.post(reverse("records:action_to_change_request", args=[item.pk]))
    item.refresh_from_db()
    assert item.change_request_id is not None
    again = client.post(reverse("records:action_to_change_request", args=[item.pk]), follow=True)
    assert "该待办已转为需求变更" in again.content.decode()
