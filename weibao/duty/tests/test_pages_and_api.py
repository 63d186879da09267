"""The rosters through HTTP: pages (the holiday plan, a contract's duty with its generate form,
swaps), the API (lists, on-duty, writes), bad input answered 4xx with a clear message, the ICS feed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from weibao.duty import services
from weibao.duty.models import DutyShift, DutySwap, HolidayDutyPlan

pytestmark = pytest.mark.django_db


def _plans(contract, team):
    return services.holiday_plans_generate(
        actor=team["manager"],
        contract=contract,
        year=2026,
        engineers=team["engineers"],
        emergency_plan_link="YJ-01",
    )


def test_the_manager_generates_plans_from_the_contract_page(client_for, contract, team):
    client = client_for(team["manager"])
    url = reverse("duty:contract_duty", args=[contract.pk])
    page = client.get(url)
    assert page.status_code == 200 and "按法定节假日生成保障方案" in page.content.decode()
    ids = [str(u.pk) for u in team["engineers"]]
    response = client.post(url, {"year": "2026", "engineers": ids, "emergency_plan_link": "YJ-01"})
    assert response.status_code == 302
    assert HolidayDutyPlan.objects.filter(contract=contract, holiday="国庆节").exists()
    # Bad input: the form says what is wrong, nothing is made.
    bad = client.post(url, {"year": "2031", "engineers": ids})
    assert bad.status_code == 200 and "2031 年的法定节假日安排尚未导入" in bad.content.decode()
    bad = client.post(url, {"year": "abc"})
    assert bad.status_code == 200 and "has-error" in bad.content.decode()


def test_an_engineer_sees_the_plan_but_not_the_generate_form(client_for, contract, team):
    plan = next(p for p in _plans(contract, team) if p.holiday == "国庆节")
    client = client_for(team["engineers"][0])
    page = client.get(reverse("duty:contract_duty", args=[contract.pk])).content.decode()
    assert "按法定节假日生成保障方案" not in page
    assert client.post(reverse("duty:contract_duty", args=[contract.pk]), {"year": "2026"}).status_code == 403
    text = client.get(reverse("duty:plan_detail", args=[plan.pk])).content.decode()
    assert "2026 年国庆节保障方案" in text
    for day in range(1, 8):
        assert f'data-day="2026-10-0{day}"' in text
    assert "这一天没有值班组" not in text and "YJ-01" in text
    assert team["engineers"][0].phone in text


def test_swap_pages_request_and_decide(client_for, contract, team):
    a, b, _c = team["engineers"]
    soon = timezone.now() + timedelta(days=2)
    shift = services.shift_create(
        actor=team["manager"], contract=contract, engineer=a, start=soon, end=soon + timedelta(hours=12)
    )
    client = client_for(a)
    url = reverse("duty:shift_swap", args=[shift.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"to_engineer": b.pk, "reason": ""})
    assert bad.status_code == 200 and DutySwap.objects.count() == 0
    assert client.post(url, {"to_engineer": b.pk, "reason": "孩子生病"}).status_code == 302
    swap = DutySwap.objects.get()
    assert (
        client_for(b)
        .post(reverse("duty:shift_swap", args=[shift.pk]), {"to_engineer": a.pk, "reason": "x"})
        .status_code
        == 403
    )
    manager = client_for(team["manager"])
    home = manager.get(reverse("duty:duty_home")).content.decode()
    assert "待审批的换班" in home and "孩子生病" in home
    manager.post(reverse("duty:swap_decide", args=[swap.pk]), {"decision": "maybe"})
    swap.refresh_from_db()
    assert swap.state == "requested"
    manager.post(reverse("duty:swap_decide", args=[swap.pk]), {"decision": "approve"})
    shift.refresh_from_db()
    assert shift.engineer == b


def test_the_ics_feed_lists_my_shifts_behind_its_secret(client, client_for, contract, team):
    a = team["engineers"][0]
    _plans(contract, team)  # 2026's holidays: those older than 30 days are left out of the feed
    soon = timezone.now() + timedelta(days=3)
    night = services.shift_create(
        actor=team["manager"], contract=contract, engineer=a, start=soon, end=soon + timedelta(hours=12)
    )
    assert client.get("/duty/ics/not-a-token.ics").status_code == 404
    client_for(a).post(reverse("duty:feed_renew"))
    token = a.duty_feed.token
    response = client.get(reverse("duty:ics", args=[token]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    events = [c for c in cal.walk("VEVENT")]
    mine = DutyShift.objects.filter(engineer=a, end__gt=timezone.now() - timedelta(days=30))
    assert len(events) == mine.count() > 0
    assert f"duty-shift-{night.pk}@testserver" in {str(e["UID"]) for e in events}
    (event,) = [e for e in events if str(e["UID"]).startswith(f"duty-shift-{night.pk}@")]
    assert (
        event.decoded("DTSTART") == night.start.replace(microsecond=0)
        and str(event["SUMMARY"]) == "值班·主值班 T-DRG"
    )
    assert a.phone in str(event["DESCRIPTION"])
    old = token
    client_for(a).post(reverse("duty:feed_renew"))
    assert client.get(reverse("duty:ics", args=[old])).status_code == 404


def test_api_lists_on_duty_and_writes(client_for, contract, team):
    _plans(contract, team)
    client = client_for(team["manager"])
    page = client.get(f"/api/v1/duty/plans?contract={contract.pk}&year=2026").json()
    assert "国庆节" in {p["holiday"] for p in page["items"]}
    now = client.get(f"/api/v1/contracts/{contract.pk}/on-duty?at=2026-10-03T03:00:00%2B08:00").json()
    assert [s["role"] for s in now] == ["primary", "backup"]
    soon = timezone.now() + timedelta(days=1)
    made = client.post(
        "/api/v1/duty/shifts",
        {
            "contract_id": contract.pk,
            "engineer_id": team["engineers"][0].pk,
            "start": soon.isoformat(),
            "end": (soon + timedelta(hours=14)).isoformat(),
        },
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["phone"] == team["engineers"][0].phone
    shift_id = made.json()["id"]
    swap = client.post(
        f"/api/v1/duty/shifts/{shift_id}/swaps",
        {"to_engineer_id": team["engineers"][1].pk, "reason": "出差"},
        content_type="application/json",
    )
    assert swap.status_code == 201
    decided = client.post(
        f"/api/v1/duty/swaps/{swap.json()['id']}/decision", {"approve": True}, content_type="application/json"
    )
    assert decided.status_code == 200 and decided.json()["state"] == "approved"


@pytest.mark.parametrize(
    ("path", "body", "status", "words"),
    [
        ("/api/v1/contracts/{c}/holiday-plans", {"year": 2031, "engineer_ids": [0]}, 422, None),
        ("/api/v1/contracts/{c}/holiday-plans", {"year": 2031, "engineer_ids": ["{e}"]}, 400, "尚未导入"),
        (
            "/api/v1/contracts/{c}/holiday-plans",
            {"year": 2026, "engineer_ids": [999999]},
            400,
            "不属于本合同厂商",
        ),
        (
            "/api/v1/duty/shifts",
            {
                "contract_id": "{c}",
                "engineer_id": "{e}",
                "start": "2026-11-02T18:00:00+08:00",
                "end": "2026-11-02T08:00:00+08:00",
            },
            400,
            "结束时间必须晚于开始时间",
        ),
        (
            "/api/v1/duty/shifts",
            {"contract_id": "{c}", "engineer_id": "{e}", "start": "昨天", "end": "今天"},
            422,
            None,
        ),
    ],
)
def test_api_bad_input_is_a_4xx_with_a_clear_message(client_for, contract, team, path, body, status, words):
    client = client_for(team["manager"])
    values = {"{c}": contract.pk, "{e}": team["engineers"][0].pk}

    def fill(v):
        if isinstance(v, list):
            return [fill(x) for x in v]
        return values.get(v, v) if isinstance(v, str) else v

    response = client.post(
        path.replace("{c}", str(contract.pk)),
        {k: fill(v) for k, v in body.items()},
        content_type="application/json",
    )
    assert response.status_code == status, response.content
    if words:
        assert words in str(response.json()["detail"])


def test_an_engineer_cannot_draw_up_plans_through_the_api(client_for, contract, team):
    response = client_for(team["engineers"][0]).post(
        f"/api/v1/contracts/{contract.pk}/holiday-plans",
        {"year": 2026, "engineer_ids": [team["engineers"][0].pk]},
        content_type="application/json",
    )
    assert response.status_code == 403 and "厂商经理或医院管理员" in response.json()["detail"]


def test_a_shift_cannot_be_put_on_another_hospitals_contract(client_for, contract, team, other_hospital):
    from weibao.accounts.choices import Role
    from weibao.testing.factories import member

    outsider = member(other_hospital, Role.HOSPITAL_ADMIN)
    response = client_for(outsider).post(
        "/api/v1/duty/shifts",
        {
            "contract_id": contract.pk,
            "engineer_id": team["engineers"][0].pk,
            "start": "2027-01-02T18:00:00+08:00",
            "end": "2027-01-03T08:00:00+08:00",
        },
        content_type="application/json",
    )
    assert response.status_code == 404 and not DutyShift.objects.exists()
