"""The remote access register: requested by the vendor's engineer, approved by the hospital,
started and ended; a session started on a ticket meets seed 002's "30分钟内通过堡垒机远程服务"
(the ticket's response clock); an open session past its planned end is flagged; the hospital
lists every access to a system."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.duty import remote
from weibao.duty.models import RemoteSession
from weibao.servicedesk import services as sd_services
from weibao.servicedesk.models import TicketClock

pytestmark = pytest.mark.django_db


@pytest.fixture
def his(hospital, duty_vendor):
    return contract_create_from_template(
        actor=None,
        template=get_template("his-3y"),
        hospital=hospital,
        vendor=duty_vendor,
        start=date(2026, 1, 1),
        amount=Decimal("300000"),
        code="T-HIS",
    )


def _system(contract):
    system = contract.systems.first()
    assert system is not None
    return system


def test_a_session_started_on_the_ticket_meets_the_30_minute_remote_promise(his, team):
    engineer, admin = team["engineers"][0], team["admin"]
    now = timezone.now().replace(microsecond=0)
    ticket = sd_services.ticket_create(
        actor=None,
        contract=his,
        term=his.terms.get(number=1),
        title="HIS 收费报错",
        created_at=now - timedelta(minutes=10),
    )
    sd_services.ticket_transition(
        actor=engineer, ticket=ticket, action="respond", at=now - timedelta(minutes=8)
    )
    clock = TicketClock.objects.get(ticket=ticket, kind="response")
    assert clock.status == "running"  # a 响应 click is not remote service
    session = remote.remote_request(
        actor=engineer,
        contract=his,
        system=_system(his),
        purpose="排查收费模块",
        planned_start=now - timedelta(minutes=5),
        planned_end=now + timedelta(hours=1),
        ticket=ticket,
    )
    with pytest.raises(ValidationError):  # not approved yet
        remote.remote_start(actor=engineer, session=session)
    with pytest.raises(PermissionDenied):
        remote.remote_decide(actor=engineer, session=session, approve=True)
    remote.remote_decide(actor=admin, session=session, approve=True)
    with pytest.raises(PermissionDenied):
        remote.remote_start(actor=team["engineers"][1], session=session)
    started = now - timedelta(minutes=2)
    remote.remote_start(actor=engineer, session=session, at=started)
    clock.refresh_from_db()
    assert (clock.status, clock.met_at) == ("met", started)
    session.refresh_from_db()
    assert session.state == "active" and session.started_at == started
    remote.remote_end(actor=admin, session=session)  # the hospital may cut it off
    session.refresh_from_db()
    assert session.state == "ended"


def test_overdue_sessions_are_flagged_and_the_hospital_lists_every_access(client_for, his, team):
    engineer, admin = team["engineers"][0], team["admin"]
    system = _system(his)
    now = timezone.now()
    late = remote.remote_request(
        actor=engineer,
        contract=his,
        system=system,
        purpose="升级数据库补丁",
        planned_start=now - timedelta(hours=3),
        planned_end=now - timedelta(hours=1),
    )
    RemoteSession.objects.filter(pk=late.pk).update(state="active", started_at=now - timedelta(hours=3))
    fine = remote.remote_request(
        actor=team["engineers"][1],
        contract=his,
        system=system,
        purpose="查看日志",
        planned_start=now,
        planned_end=now + timedelta(hours=1),
    )
    flagged = {s.pk: s.overdue for s in remote.with_overdue(RemoteSession.objects.all())}
    assert flagged == {late.pk: True, fine.pk: False}
    client = client_for(admin)
    page = client.get(reverse("duty:remote_system", args=[system.pk])).content.decode()
    assert "升级数据库补丁" in page and "查看日志" in page and "超时未结束" in page
    api = client.get(f"/api/v1/remote-sessions?system={system.pk}&overdue=true").json()
    assert [s["id"] for s in api["items"]] == [late.pk]


def test_requests_are_validated(his, team, client_for):
    engineer = team["engineers"][0]
    now = timezone.now()
    with pytest.raises(PermissionDenied):
        remote.remote_request(
            actor=team["admin"],
            contract=his,
            system=_system(his),
            purpose="x",
            planned_start=now,
            planned_end=now + timedelta(hours=1),
        )
    with pytest.raises(ValidationError):
        remote.remote_request(
            actor=engineer,
            contract=his,
            system=_system(his),
            purpose="x",
            planned_start=now,
            planned_end=now - timedelta(hours=1),
        )
    with pytest.raises(ValidationError):
        remote.remote_request(
            actor=engineer,
            contract=his,
            system=_system(his),
            purpose=" ",
            planned_start=now,
            planned_end=now + timedelta(hours=1),
        )
    response = client_for(engineer).post(
        "/api/v1/remote-sessions",
        {
            "system_id": _system(his).pk,
            "purpose": "x",
            "planned_start": "2026-12-05T10:00:00+08:00",
            "planned_end": "2026-12-09T10:00:00+08:00",
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and "最长 72 小时" in str(response.json()["detail"])
    response = client_for(engineer).post(
        "/api/v1/remote-sessions",
        {"system_id": _system(his).pk, "purpose": "x", "planned_start": "明天"},
        content_type="application/json",
    )
    assert response.status_code == 422


def test_request_approve_and_start_through_the_pages(client_for, his, team):
    engineer, admin = team["engineers"][0], team["admin"]
    now = timezone.localtime().replace(second=0, microsecond=0)
    ticket = sd_services.ticket_create(
        actor=None, contract=his, term=his.terms.get(number=1), title="HIS 挂号报错"
    )
    client = client_for(engineer)
    response = client.post(
        reverse("duty:remote_request"),
        {
            "system": _system(his).pk,
            "ticket_number": ticket.number,
            "purpose": "远程排查挂号模块",
            "planned_start": now.strftime("%Y-%m-%dT%H:%M"),
            "planned_end": (now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    session = RemoteSession.objects.get()
    assert session.ticket == ticket
    bad = client.post(
        reverse("duty:remote_request"),
        {
            "system": _system(his).pk,
            "ticket_number": "NOPE",
            "purpose": "x",
            "planned_start": now.strftime("%Y-%m-%dT%H:%M"),
            "planned_end": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert bad.status_code == 200 and "没有这个工单" in bad.content.decode()
    client_for(admin).post(reverse("duty:remote_act", args=[session.pk]), {"action": "approve"})
    client.post(reverse("duty:remote_act", args=[session.pk]), {"action": "start"})
    session.refresh_from_db()
    assert session.state == "active"
    assert TicketClock.objects.get(ticket=ticket, kind="response").status == "met"
    assert ticket.events.filter(clock_event="remote_started").count() == 1
