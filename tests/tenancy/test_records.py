"""Forms and lists that take their ticket, inspection or contract in the query string (or the form)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["servicedesk:data_change_new", "servicedesk:change_request_new"])
def test_records_cannot_be_started_from_the_other_hospitals_ticket(client_for, world, name):
    """The record forms take the ticket they start from in the query string (or the form)."""
    from django.urls import reverse

    ticket_b, url = world["ticket_b"], reverse(name)
    client = client_for(world["admin_a"])
    assert client.get(url, {"ticket": ticket_b.pk}).status_code == 404
    assert client.post(url, {"ticket": ticket_b.pk, "title": "x", "reason": "x"}).status_code == 404
    assert client_for(world["admin_b"]).get(url, {"ticket": ticket_b.pk}).status_code == 200
    assert not ticket_b.data_changes.exists() and not ticket_b.change_requests.exists()


@pytest.mark.parametrize("source", ["ticket", "inspection"])
def test_a_service_report_is_never_written_from_the_other_hospitals_ticket_or_inspection(
    client_for, world, source
):
    """The 服务报告 form takes the ticket or inspection it is written from in the query string (or
    the form): another hospital's is a 404, and nothing is written."""
    from django.urls import reverse

    from weibao.reports.models import ServiceReport

    obj = world["ticket_b"] if source == "ticket" else world["inspection_b"]
    url = reverse("reports:service_report_new")
    client = client_for(world["admin_a"])
    before = ServiceReport.objects.count()
    assert client.get(url, {source: obj.pk}).status_code == 404
    assert (
        client.post(url, {source: obj.pk, "mode": "onsite", "fault": "x", "handling": "x"}).status_code == 404
    )
    api = client.post("/api/v1/service-reports", {f"{source}_id": obj.pk}, content_type="application/json")
    assert api.status_code == 404
    assert ServiceReport.objects.count() == before


def test_the_switchover_list_refuses_the_other_hospitals_contract(client_for, world):
    """The list takes its contract in the query string: another hospital's is a 404, and the
    list never shows the other hospital's plans."""
    from django.urls import reverse

    url = reverse("records:switchover_list")
    client = client_for(world["admin_a"])
    assert client.get(url, {"contract": world["contract_b"].pk}).status_code == 404
    assert "B 切换" not in client.get(url).content.decode()
    assert "B 切换" in client_for(world["admin_b"]).get(url).content.decode()


def test_the_emergency_chooser_refuses_the_other_hospitals_contract(client_for, world):
    """The new-report chooser takes its contract in the query string."""
    from django.urls import reverse

    url = reverse("duty:emergency_new")
    for what in ("incident", "plan"):
        query = {"contract": world["contract_b"].pk, "what": what}
        assert client_for(world["admin_a"]).get(url, query).status_code == 404
        assert client_for(world["admin_b"]).get(url, query).status_code == 302
