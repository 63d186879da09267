"""A ticket's move to another contract and its attachment upload, which the API table cannot call."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_a_ticket_is_never_moved_to_another_hospitals_contract(client_for, world, hospital):
    """Hospital A's admin names hospital B's contract as the target of A's own ticket: 404 on
    the API (B's contract is not A's to name), and the page moves nothing."""
    from datetime import date

    from weibao.contracts.services import contract_create_from_template
    from weibao.contracts.template_loader import get_template
    from weibao.servicedesk import services as sd_services
    from weibao.testing.factories import VendorFactory

    contract_a = contract_create_from_template(
        actor=world["admin_a"],
        template=get_template("drg-wuhan"),
        hospital=hospital,
        vendor=VendorFactory(),
        start=date(2026, 1, 1),
    )
    ticket_a = sd_services.ticket_create(
        actor=world["admin_a"], contract=contract_a, term=contract_a.terms.first(), title="A 的工单"
    )
    client = client_for(world["admin_a"])
    answer = client.post(
        f"/api/v1/tickets/{ticket_a.pk}/move",
        {"contract_id": world["contract_b"].pk, "reason": "x"},
        content_type="application/json",
    )
    assert answer.status_code == 404
    client.post(f"/tickets/{ticket_a.pk}/move/", {"contract": world["contract_b"].pk, "reason": "x"})
    ticket_a.refresh_from_db()
    assert ticket_a.contract == contract_a
    assert world["ticket_b"].__class__.objects.get(pk=world["ticket_b"].pk).contract == world["contract_b"]


def test_attachment_upload_refuses_the_other_hospital(client_for, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(world["admin_a"]).post(
        f"/api/v1/tickets/{world['ticket_b'].pk}/attachments",
        {"file": SimpleUploadedFile("x.txt", b"x", content_type="text/plain")},
    )
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert world["ticket_b"].attachments.count() == 1
