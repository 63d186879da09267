"""Confirming a fix asks the reporter for a rating; none is chosen for them."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from weibao.servicedesk import services
from weibao.servicedesk.models import Ticket
from weibao.servicedesk.reporting import report_term

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved(seed, people) -> Ticket:
    contract = seed("drg-wuhan")
    ticket = services.ticket_create(
        actor=people["doctor"], contract=contract, term=report_term(contract), title="胶片打印机报错"
    )
    services.ticket_transition(actor=people["engineer"], ticket=ticket, action="respond")
    return services.ticket_transition(
        actor=people["engineer"], ticket=ticket, action="resolve", solution="更换硒鼓", root_cause="耗材用尽"
    )


@pytest.mark.parametrize("page", ["servicedesk:ticket_detail", "servicedesk:mobile_status"])
def test_no_rating_is_preselected(client_for, people, resolved, page):
    html = client_for(people["doctor"]).get(reverse(page, args=[resolved.pk])).content.decode()
    radios = re.findall(r'<input type="radio" name="rating"[^>]*>', html)
    assert len(radios) == 5
    assert not any("checked" in r for r in radios)
    assert "required" in radios[0]


def test_confirming_without_a_rating_is_refused(client_for, people, resolved):
    client = client_for(people["doctor"])
    response = client.post(
        reverse("servicedesk:ticket_act", args=[resolved.pk]),
        {"action": "confirm", "version": resolved.version},
        follow=True,
    )
    resolved.refresh_from_db()
    assert resolved.state == "resolved" and resolved.rating is None
    messages = [str(m) for m in response.context["messages"]]
    assert messages and "评价" in messages[0], messages
