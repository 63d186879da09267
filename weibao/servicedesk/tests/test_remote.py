"""Seed 002's "30分钟内通过堡垒机远程服务": the response clock of such a term is met by a remote
session started on the ticket, not by 响应."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from weibao.servicedesk import services
from weibao.servicedesk.models import TicketClock
from weibao.servicedesk.remote import ticket_remote_started

from .conftest import at

pytestmark = pytest.mark.django_db


def _response(ticket) -> TicketClock:
    return TicketClock.objects.get(ticket=ticket, kind="response")


def test_a_remote_session_not_a_respond_click_meets_the_remote_promise(seed, people):
    contract = seed("his-3y")
    ticket = services.ticket_create(
        actor=None,
        contract=contract,
        term=contract.terms.get(number=1),
        title="HIS 挂号报错",
        created_at=at("2026-03-02 10:00"),
    )
    assert _response(ticket).stop_event == "remote_started"
    services.ticket_transition(
        actor=people["engineer"], ticket=ticket, action="respond", at=at("2026-03-02 10:05")
    )
    clock = _response(ticket)
    assert clock.status != "met" and clock.met_at is None  # 响应 is not remote service
    with pytest.raises(PermissionDenied):
        ticket_remote_started(actor=people["admin"], ticket=ticket, at=at("2026-03-02 10:20"))
    ticket_remote_started(
        actor=people["engineer"], ticket=ticket, at=at("2026-03-02 10:20"), note="堡垒机会话"
    )
    clock = _response(ticket)
    assert (clock.status, clock.met_at) == ("met", at("2026-03-02 10:20"))


def test_other_terms_keep_their_usual_response(seed, people):
    contract = seed("drg-wuhan")
    ticket = services.ticket_create(
        actor=None,
        contract=contract,
        term=contract.terms.get(number=10),
        title="故障",
        created_at=at("2026-03-02 10:00"),
    )
    assert _response(ticket).stop_event == "responded"
