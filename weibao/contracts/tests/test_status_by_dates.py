"""A contract's status follows its dates on every page and in the API (issue #13 item 7)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from weibao.accounts.choices import Role
from weibao.contracts import services
from weibao.contracts.template_loader import get_template
from weibao.testing.factories import VendorFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def later(hospital):
    return services.contract_create_from_template(
        actor=None,
        template=get_template("drg-wuhan"),
        hospital=hospital,
        vendor=VendorFactory(),
        start=date(2027, 1, 1),
        amount=Decimal("1000"),
        code="DRG-2027",
    )


def test_a_2027_contract_is_pending_on_the_list_the_page_and_the_api(client_for, hospital, later):
    client = client_for(member(hospital, Role.HOSPITAL_ADMIN))
    listed = client.get(reverse("contracts:contract_list")).content.decode()
    assert 'data-contract-status="pending">未生效' in listed
    assert "DRG-2027" in client.get(reverse("contracts:contract_list") + "?status=pending").content.decode()
    assert (
        "DRG-2027" not in client.get(reverse("contracts:contract_list") + "?status=active").content.decode()
    )
    detail = client.get(reverse("contracts:contract_detail", args=[later.pk])).content.decode()
    assert "未生效" in detail and "履行中" not in detail
    api = client.get(f"/api/v1/contracts/{later.pk}").json()
    assert api["status"] == "active" and api["current_status"] == "pending"
    assert api["current_status_label"] == "未生效"
    pending = client.get("/api/v1/contracts?status=pending").json()["items"]
    assert [c["code"] for c in pending] == ["DRG-2027"]
    assert client.get("/api/v1/contracts?status=active").json()["items"] == []


def test_pending_is_never_stored(hospital, later):
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    with pytest.raises(ValidationError) as refused:
        services.contract_update(actor=admin, contract=later, status="pending")
    assert "开始日期" in refused.value.message_dict["status"][0]
    services.contract_update(actor=admin, contract=later, status="terminated")
    later.refresh_from_db()
    assert later.current_status == "terminated"
