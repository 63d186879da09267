"""The demo data: every role can be tried, the auditor included (read-only everywhere)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from weibao.accounts.models import User
from weibao.contracts.models import Contract
from weibao.servicedesk.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    out = StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def test_the_demo_auditor_reads_the_hospitals_contracts_tickets_and_audit_trail_and_writes_nothing(
    demo, client_for
):
    auditor = User.objects.get(username="demo-auditor")
    client = client_for(auditor)
    hzzd = Contract.objects.filter(hospital__short_code="HZZD")
    assert hzzd.exists()
    contracts = client.get("/contracts/").content.decode()
    assert all(c.code in contracts for c in hzzd)
    assert not any(c.code in contracts for c in Contract.objects.exclude(hospital__short_code="HZZD"))
    ticket = Ticket.objects.filter(hospital__short_code="HZZD").order_by("pk").first()
    assert ticket is not None
    assert ticket.number in client.get("/tickets/").content.decode()
    detail = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert ticket.title in detail
    assert 'name="body"' not in detail  # no reply box
    assert "审计日志" in client.get("/").content.decode()
    assert client.get("/audit/").status_code == 200

    events = TicketEvent.objects.filter(ticket=ticket).count()
    assert client.post(f"/tickets/{ticket.pk}/comment/", {"body": "监理意见"}).status_code in (403, 404)
    move = {"action": "cancel", "reason": "x", "version": ticket.version}
    refused = client.post(f"/tickets/{ticket.pk}/act/", move, follow=True)
    assert refused.status_code == 403 or "您不能对此工单执行“取消”" in refused.content.decode()
    state = ticket.state
    ticket.refresh_from_db()
    assert ticket.state == state
    assert TicketEvent.objects.filter(ticket=ticket).count() == events
    api = client.post(
        f"/api/v1/tickets/{ticket.pk}/comments", {"body": "监理意见"}, content_type="application/json"
    )
    assert api.status_code == 403
