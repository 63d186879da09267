"""The service team and resident engineers through the services, the pages and the API: changes
wait for the hospital's consent; a month with an unapproved absence falls short, approved leave
does not."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from weibao.audit.models import AuditEvent
from weibao.residency import selectors, services
from weibao.residency.choices import LeaveState, MemberState
from weibao.residency.models import Attendance

pytestmark = pytest.mark.django_db

Z = ZoneInfo("Asia/Shanghai")
NOV = [date(2026, 11, d) for d in range(1, 31) if date(2026, 11, d).weekday() < 5]  # no holiday in Nov 2026


def _day(actor, member, day):
    services.check_in(actor=actor, member=member, at=datetime(day.year, day.month, day.day, 7, 55, tzinfo=Z))
    services.check_out(actor=actor, member=member, at=datetime(day.year, day.month, day.day, 18, 5, tzinfo=Z))


@pytest.fixture
def november(his):
    """Both engineers on site every workday of November 2026, except 张工 on the 10th (no leave,
    and a refused request) and 李工 on the 12th (leave the hospital approved)."""
    absent_a, leave_b = date(2026, 11, 10), date(2026, 11, 12)
    for day in NOV:
        if day != absent_a:
            _day(his.eng_a, his.a, day)
        if day != leave_b:
            _day(his.eng_b, his.b, day)
    refused = services.leave_request(
        actor=his.eng_a, member=his.a, start=absent_a, end=absent_a, reason="私事"
    )
    services.leave_decide(actor=his.admin, leave=refused, approve=False, note="人手不足")
    approved = services.leave_request(
        actor=his.eng_b, member=his.b, start=leave_b, end=leave_b, reason="病假"
    )
    services.leave_decide(actor=his.admin, leave=approved, approve=True)
    return absent_a, leave_b


def test_unapproved_absence_is_a_shortfall_and_approved_leave_is_not(his, november):
    absent_a, leave_b = november
    result = selectors.month_attendance(his.contract, 2026, 11)
    assert result.requirement.min_count == 2 and result.staffing_missing == 0
    rows = {r.member.pk: r.month for r in result.rows}
    assert len(rows[his.a.pk].days) == len(NOV) == 21
    assert [(d.day, d.status) for d in rows[his.a.pk].shortfalls] == [(absent_a, "absent")]
    assert rows[his.b.pk].shortfalls == ()
    assert [d.status for d in rows[his.b.pk].days if d.day == leave_b] == ["leave"]
    assert result.has_shortfall


def test_the_month_without_the_absence_has_no_shortfall(his):
    for day in NOV:
        _day(his.eng_a, his.a, day)
        _day(his.eng_b, his.b, day)
    assert not selectors.month_attendance(his.contract, 2026, 11).has_shortfall


def test_the_attendance_page_and_api_list_the_shortfall(his, november, client_for):
    absent_a, _leave = november
    for user in (his.admin, his.manager):
        page = client_for(user).get(
            reverse("residency:contract_attendance", args=[his.contract.pk]) + "?month=2026-11"
        )
        html = page.content.decode()
        assert page.status_code == 200 and 'id="has-shortfall"' in html
        assert f'data-member="{his.a.pk}" data-shortfalls="1"' in html
        assert f'data-member="{his.b.pk}" data-shortfalls="0"' in html
        assert 'data-day="2026-11-10" data-status="absent"' in html
    body = client_for(his.admin).get(f"/api/v1/contracts/{his.contract.pk}/attendance?month=2026-11").json()
    by_id = {m["member_id"]: m for m in body["members"]}
    assert body["has_shortfall"] and body["required_count"] == 2
    assert [s["day"] for s in by_id[his.a.pk]["shortfalls"]] == [absent_a.isoformat()]
    assert by_id[his.b.pk]["shortfalls"] == [] and by_id[his.b.pk]["workdays"] == 21


@pytest.mark.parametrize("month", ["2026-13", "11-2026", "2026-1", "1999-01"])
def test_a_bad_month_is_a_clear_4xx(his, client_for, month):
    response = client_for(his.admin).get(f"/api/v1/contracts/{his.contract.pk}/attendance?month={month}")
    assert response.status_code in (400, 422)
    assert "month" in json.dumps(response.json(), ensure_ascii=False)
    page = client_for(his.admin).get(
        reverse("residency:contract_attendance", args=[his.contract.pk]) + f"?month={month}"
    )
    assert page.status_code == 200


def test_a_replacement_waits_for_the_hospitals_consent(his):
    new = services.member_propose(
        actor=his.manager,
        contract=his.contract,
        name="王工",
        role="驻场工程师",
        resident=True,
        replaces=his.a,
        reason="张工调往其他项目",
    )
    assert new.state == MemberState.PROPOSED
    his.a.refresh_from_db()
    assert his.a.state == MemberState.ACTIVE  # still in post until the hospital says yes
    with pytest.raises(PermissionDenied):
        services.member_decide(actor=his.manager, member=new, consent=True)
    services.member_decide(actor=his.admin, member=new, consent=True)
    his.a.refresh_from_db()
    new.refresh_from_db()
    assert (new.state, his.a.state) == (MemberState.ACTIVE, MemberState.REMOVED)
    assert AuditEvent.objects.filter(action="residency.member_decide").count() >= 4


def test_a_refused_member_and_a_refused_removal(his):
    stranger = services.member_propose(actor=his.manager, contract=his.contract, name="赵工", role="实施")
    services.member_decide(actor=his.admin, member=stranger, consent=False, note="资历不足")
    services.member_remove_propose(actor=his.manager, member=his.b, reason="调岗")
    services.member_decide(actor=his.admin, member=his.b, consent=False)
    stranger.refresh_from_db()
    his.b.refresh_from_db()
    assert (stranger.state, his.b.state) == (MemberState.REFUSED, MemberState.ACTIVE)
    with pytest.raises(ValidationError):
        services.member_decide(actor=his.admin, member=stranger, consent=True)


def test_input_is_checked(his):
    with pytest.raises(ValidationError) as exc:
        services.member_propose(actor=his.manager, contract=his.contract, name=" ", role="", replaces=his.a)
    assert set(exc.value.message_dict) == {"name", "role", "reason"}
    with pytest.raises(ValidationError):
        services.leave_request(
            actor=his.eng_a, member=his.a, start=date(2026, 11, 5), end=date(2026, 11, 4), reason="x"
        )
    with pytest.raises(ValidationError):
        services.evaluation_record(actor=his.admin, member=his.a, period="2026Q4", score=101)


def test_only_the_engineer_checks_in_and_only_once(his):
    with pytest.raises(PermissionDenied):
        services.check_in(actor=his.eng_b, member=his.a)
    with pytest.raises(PermissionDenied):
        services.check_in(actor=his.admin, member=his.a)
    services.check_in(actor=his.eng_a, member=his.a, channel="phone")
    with pytest.raises(ValidationError):
        services.check_in(actor=his.eng_a, member=his.a)
    row = services.check_out(actor=his.eng_a, member=his.a)
    assert row.channel_in == "phone" and row.check_out is not None
    with pytest.raises(ValidationError):
        services.check_out(actor=his.eng_a, member=his.a)


def test_the_pages_check_in_decide_leave_and_evaluate(his, client_for):
    eng = client_for(his.eng_a)
    home = eng.get(reverse("residency:home")).content.decode()
    assert f'id="check-{his.a.pk}"' in home and "未签到" in home
    eng.post(reverse("residency:member_check", args=[his.a.pk]), {"action": "in", "channel": "phone"})
    assert Attendance.objects.get(member=his.a).channel_in == "phone"
    assert "在岗" in eng.get(reverse("residency:home")).content.decode()
    eng.post(reverse("residency:member_check", args=[his.a.pk]), {"action": "out"})
    assert Attendance.objects.get(member=his.a).check_out is not None
    tomorrow = date.today() + timedelta(days=1)
    eng.post(
        reverse("residency:leave_new", args=[his.a.pk]),
        {"start": tomorrow, "end": tomorrow, "reason": "体检"},
    )
    leave = his.a.leaves.get()
    admin = client_for(his.admin)
    team = admin.get(reverse("residency:contract_team", args=[his.contract.pk])).content.decode()
    assert "体检" in team and reverse("residency:leave_decide", args=[leave.pk]) in team
    admin.post(reverse("residency:leave_decide", args=[leave.pk]), {"consent": "1", "note": "同意"})
    leave.refresh_from_db()
    assert leave.state == LeaveState.APPROVED
    response = admin.post(
        reverse("residency:evaluate", args=[his.a.pk]),
        {"period": "2026年第4季度", "score": "55"},
        follow=True,
    )
    assert "不合格" in response.content.decode()
    bad = admin.post(
        reverse("residency:evaluate", args=[his.a.pk]), {"period": "x", "score": "abc"}, follow=True
    )
    assert bad.status_code == 200 and "0–100" in bad.content.decode()


def test_the_team_form_proposes_and_the_hospital_consents_on_the_page(his, client_for):
    manager = client_for(his.manager)
    response = manager.post(
        reverse("residency:contract_team", args=[his.contract.pk]),
        {"name": "钱工", "role": "核心技术人员", "experience_years": "5", "qualifications": "PMP"},
    )
    assert response.status_code == 302
    new = his.contract.pk and selectors.team(his.contract).get(name="钱工")
    assert new.state == MemberState.PROPOSED
    bad = manager.post(
        reverse("residency:contract_team", args=[his.contract.pk]),
        {"name": "孙工", "role": "驻场", "experience_years": "5", "replaces": str(his.a.pk)},
    )
    assert bad.status_code == 200 and "更换成员须说明原因" in bad.content.decode()
    admin = client_for(his.admin)
    admin.post(reverse("residency:member_decide", args=[new.pk]), {"consent": "1"})
    new.refresh_from_db()
    assert new.state == MemberState.ACTIVE
    # The vendor cannot consent to its own change.
    other = manager.post(
        reverse("residency:contract_team", args=[his.contract.pk]),
        {"name": "周工", "role": "x", "experience_years": "1"},
    )
    assert other.status_code == 302
    pending = selectors.team(his.contract).get(name="周工")
    assert (
        manager.post(reverse("residency:member_decide", args=[pending.pk]), {"consent": "1"}).status_code
        == 403
    )


def test_certificates_show_their_expiry(his, client_for):
    services.certificate_add(
        actor=his.manager, member=his.a, name="数据库工程师证书", expires=date(2020, 1, 1)
    )
    page = (
        client_for(his.admin).get(reverse("residency:contract_team", args=[his.contract.pk])).content.decode()
    )
    assert "数据库工程师证书" in page and "已过期" in page


def test_api_propose_decide_check_in_and_leave(his, client_for):
    manager, admin, eng = client_for(his.manager), client_for(his.admin), client_for(his.eng_a)
    created = manager.post(
        f"/api/v1/contracts/{his.contract.pk}/team-members",
        json.dumps({"name": "吴工", "role": "驻场工程师", "resident": True, "experience_years": 2}),
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["state"] == "proposed"
    mid = created.json()["id"]
    assert (
        manager.post(
            f"/api/v1/team-members/{mid}/decision",
            json.dumps({"consent": True}),
            content_type="application/json",
        ).status_code
        == 403
    )
    decided = admin.post(
        f"/api/v1/team-members/{mid}/decision", json.dumps({"consent": True}), content_type="application/json"
    )
    assert decided.json()["state"] == "active"
    checked = eng.post(
        f"/api/v1/team-members/{his.a.pk}/check-in",
        json.dumps({"channel": "phone"}),
        content_type="application/json",
    )
    assert checked.status_code == 201 and checked.json()["channel_in"] == "phone"
    again = eng.post(f"/api/v1/team-members/{his.a.pk}/check-in", "{}", content_type="application/json")
    assert again.status_code == 400 and "签退" in json.dumps(again.json(), ensure_ascii=False)
    leave = eng.post(
        f"/api/v1/team-members/{his.a.pk}/leave-requests",
        json.dumps({"start": "2026-12-10", "end": "2026-12-09", "reason": "x"}),
        content_type="application/json",
    )
    assert leave.status_code == 400 and "end" in leave.json()["detail"]
    listing = admin.get(f"/api/v1/team-members?contract={his.contract.pk}").json()
    assert {m["name"] for m in listing["items"]} >= {"张工", "李工", "吴工"}


def test_days_not_yet_over_never_fall_short(his):
    result = selectors.month_attendance(his.contract, 2026, 11, today=date(2026, 11, 4))
    rows = {r.member.pk: r.month for r in result.rows}
    assert [d.day for d in rows[his.a.pk].days] == [date(2026, 11, 2), date(2026, 11, 3)]
    assert (
        selectors.month_attendance(his.contract, 2026, 11, today=date(2026, 11, 1)).rows[0].month.days == ()
    )
