"""Only the right party moves a clock (issue #13, "Why" 3), each item as it was found: through the
services, the ticket page and the API."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from weibao.audit.models import AuditEvent
from weibao.servicedesk import services
from weibao.servicedesk.models import Ticket

pytestmark = pytest.mark.django_db


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def clock_states(ticket: Ticket) -> dict[str, str]:
    return {c.kind: c.status for c in fresh(ticket).clocks.all()}


def report(contract, number: int, *, actor=None, severity: str | None = None, minutes_ago: int = 10, **kw):
    return services.ticket_create(
        actor=actor,
        contract=contract,
        term=contract.terms.get(number=number),
        title="影像无法调阅",
        severity=contract.severities.get(code=severity) if severity else None,
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
        **kw,
    )


def act(actor, ticket, action, **kw):
    return services.ticket_transition(actor=actor, ticket=fresh(ticket), action=action, **kw)


def test_a_hospital_admins_respond_does_not_meet_the_vendors_clock(seed, people):
    ticket = report(seed("drg-wuhan"), 1, actor=people["doctor"])
    with pytest.raises(PermissionDenied):
        act(people["admin"], ticket, "respond")
    assert fresh(ticket).responded_at is None and clock_states(ticket)["response"] == "running"
    act(people["engineer"], ticket, "respond")
    assert clock_states(ticket)["response"] == "met"
    assert fresh(ticket).events.get(action="respond").actor == people["engineer"]


def test_a_department_users_phone_log_is_not_born_responded(seed, people):
    contract = seed("drg-wuhan")
    logged = report(contract, 1, actor=people["doctor"], channel="phone", respond=True)
    assert fresh(logged).responded_at is None and fresh(logged).state == "new"
    assert clock_states(logged)["response"] == "running"
    # An engineer's call log is 受理即响应: the call was the response.
    taken = report(contract, 1, actor=people["engineer"], channel="phone", respond=True, minutes_ago=0)
    assert fresh(taken).state == "responded" and clock_states(taken)["response"] == "met"


def test_a_vendors_cancel_alone_leaves_the_clocks_running_until_the_hospital_confirms(seed, people):
    ticket = report(seed("drg-wuhan"), 1, actor=people["doctor"])
    act(people["engineer"], ticket, "cancel", reason="重复报修")
    t = fresh(ticket)
    assert (t.state, t.pending_action, t.pending_by, t.pending_reason) == (
        "new",
        "cancel",
        people["engineer"],
        "重复报修",
    )
    assert clock_states(ticket)["response"] == "running"
    assert AuditEvent.objects.filter(action="ticket.request.cancel", object_id=str(t.pk)).exists()
    # Refused: nothing moves, the request is gone.
    act(people["admin"], ticket, "refuse", reason="问题仍在")
    assert (fresh(ticket).state, fresh(ticket).pending_action) == ("new", "")
    # Asked again and agreed: cancelled now, by the hospital, naming who asked and why.
    act(people["engineer"], ticket, "cancel", reason="重复报修")
    act(people["doctor"], ticket, "agree")
    t = fresh(ticket)
    assert (t.state, t.pending_action, t.cancel_reason) == ("cancelled", "", "重复报修")
    assert clock_states(ticket)["response"] == "not_applicable"
    agreed = t.events.get(action="cancel", kind="transition")
    assert agreed.actor == people["doctor"] and agreed.body == "重复报修"
    assert agreed.data == {"agreed": True, "requested_by": str(people["engineer"])}


def test_the_hospitals_cancel_is_immediate(seed, people):
    ticket = report(seed("drg-wuhan"), 1, actor=people["doctor"])
    act(people["doctor"], ticket, "cancel", reason="已自行解决")
    assert fresh(ticket).state == "cancelled" and clock_states(ticket)["response"] == "not_applicable"


def test_a_vendors_hold_of_a_fatal_ticket_alone_does_not_stop_its_clock(seed, people):
    ticket = report(seed("drg-wuhan"), 10, actor=people["doctor"], severity="fatal")
    act(people["engineer"], ticket, "respond")
    act(people["engineer"], ticket, "hold", reason="等待第三方补丁")
    assert (fresh(ticket).state, fresh(ticket).pending_action) == ("responded", "hold")
    assert clock_states(ticket)["resolution"] in ("running", "breached")
    act(people["admin"], ticket, "agree")
    assert fresh(ticket).state == "on_hold" and clock_states(ticket)["resolution"] == "paused"
    # The hospital says the wait is over: the clock runs again.
    act(people["admin"], ticket, "resume")
    assert clock_states(ticket)["resolution"] == "running"


def test_a_pause_the_contract_gives_the_vendor_is_made_alone_but_never_for_the_highest_severity(seed, people):
    contract = seed("drg-wuhan")
    rules = contract.clock_rules
    for kind in ("onsite", "resolution"):
        rules[kind]["vendor_may_pause"] = ["waiting_hospital", "on_hold"]
    contract.save(update_fields=["clock_rules"])
    minor = report(contract, 3, actor=people["doctor"], severity="minor")
    act(people["engineer"], minor, "respond")
    act(people["engineer"], minor, "hold", reason="第三方原因")
    assert fresh(minor).state == "on_hold" and clock_states(minor)["resolution"] == "paused"
    fatal = report(contract, 3, actor=people["doctor"], severity="fatal")
    act(people["engineer"], fatal, "respond")
    act(people["engineer"], fatal, "hold", reason="第三方原因")
    assert fresh(fatal).state == "responded" and clock_states(fatal)["resolution"] == "running"


def test_a_pause_that_stops_no_clock_is_the_vendors_to_make(seed, people):
    # Seed 000's clocks do not pause on hold: 挂起 there is a label, the clocks run on.
    ticket = report(seed("pacs-huizhou"), 2, actor=people["doctor"])
    act(people["engineer"], ticket, "respond")
    act(people["engineer"], ticket, "hold", reason="等待备件")
    assert fresh(ticket).state == "on_hold" and clock_states(ticket)["resolution"] == "running"
    # 等待医院 pauses the resolution clock: asked of the hospital.
    act(people["engineer"], ticket, "resume")
    act(people["engineer"], ticket, "wait_hospital", reason="等待医院提供账号")
    assert fresh(ticket).state == "in_progress" and fresh(ticket).pending_action == "wait_hospital"


def test_the_ticket_page_shows_the_request_to_each_side(seed, people, client_for):
    ticket = report(seed("drg-wuhan"), 1, actor=people["doctor"])
    page = client_for(people["engineer"]).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "申请取消…" in page and 'data-action="respond"' in page
    engineer = client_for(people["engineer"])
    response = engineer.post(
        f"/tickets/{ticket.pk}/act/",
        {"action": "cancel", "version": fresh(ticket).version, "reason": "重复报修"},
        follow=True,
    )
    assert "已提交申请取消，等待医院确认。" in response.content.decode()
    page = engineer.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "已申请取消，等待医院确认" in page and 'data-action="agree"' not in page
    admin = client_for(people["admin"])
    page = admin.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "申请取消，请确认" in page and 'data-action="agree"' in page and 'data-action="refuse"' in page
    assert 'data-action="respond"' not in page  # the vendor's clock is not the admin's to move
    admin.post(f"/tickets/{ticket.pk}/act/", {"action": "agree", "version": fresh(ticket).version})
    assert fresh(ticket).state == "cancelled"
    page = admin.get(f"/tickets/{ticket.pk}/").content.decode()
    assert f"（同意 {people['engineer']} 的申请）" in page and "重复报修" in page


def test_the_api_asks_and_answers_through_the_act_endpoint(seed, people, client_for):
    ticket = report(seed("drg-wuhan"), 1, actor=people["doctor"])
    engineer, admin = client_for(people["engineer"]), client_for(people["admin"])
    detail = engineer.get(f"/api/v1/tickets/{ticket.pk}").json()
    assert detail["requested_actions"] == ["cancel"] and "cancel" in detail["available_actions"]

    def post(client, payload):
        return client.post(
            f"/api/v1/tickets/{ticket.pk}/transitions", json.dumps(payload), content_type="application/json"
        )

    asked = post(engineer, {"action": "cancel", "reason": "重复报修"})
    assert asked.status_code == 200 and asked.json()["state"] == "new"
    assert asked.json()["pending_action"] == "cancel"
    assert post(engineer, {"action": "agree"}).status_code == 403
    detail = admin.get(f"/api/v1/tickets/{ticket.pk}").json()
    assert {"agree", "refuse"} <= set(detail["available_actions"]) and detail["pending_reason"] == "重复报修"
    assert post(admin, {"action": "agree"}).json()["state"] == "cancelled"
    refused = post(admin, {"action": "refuse"})  # nothing is asked of a cancelled ticket
    assert refused.status_code == 400 and "不能执行“拒绝”" in refused.content.decode()


def test_the_hospital_is_asked_to_answer_a_vendors_request(seed, people, django_capture_on_commit_callbacks):
    from weibao.notifications.models import Notification

    ticket = report(seed("drg-wuhan"), 1, actor=people["doctor"])
    with django_capture_on_commit_callbacks(execute=True):
        act(people["engineer"], ticket, "cancel", reason="重复报修")
    asks = Notification.objects.filter(event="ticket.request")
    assert {n.recipient for n in asks} == {people["doctor"], people["admin"]}
    notice = asks.get(recipient=people["doctor"])
    assert f"{people['engineer']}申请取消" in notice.title and ticket.number in notice.title
    assert notice.body == "重复报修"
    # answered before its notice went out: nobody is asked
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=False) as pending:
        act(people["engineer"], ticket, "cancel", reason="重复报修")
    act(people["admin"], ticket, "refuse")
    for callback in pending:
        callback()
    assert not Notification.objects.filter(event="ticket.request").exists()
