"""The money pages take no id but the year view's vendor: they show only one's own hospital."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


MONEY_ROUTES = [
    "/",
    "/money/",
    "/money/?format=csv",
    "/money/?format=xlsx",
    "/money/year/?party={party}",
    "/money/year/?party={party}&format=csv",
    "/money/year/?party={party}&format=xlsx",
]


@pytest.mark.parametrize("route", MONEY_ROUTES)
def test_money_pages_never_show_the_other_hospitals_contract(client_for, world, route):
    """The money panel, the contracts' table and the year view (and their downloads) take no id
    but the vendor of the year's filter: hospital A's admin naming hospital B's vendor gets A's
    own (empty) figures; B's admin, on the same URL, sees B's contract and payment."""
    import io
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone
    from openpyxl import load_workbook

    from weibao.assessments.paying import milestone_record
    from weibao.contracts.services import contract_create_from_template
    from weibao.contracts.template_loader import get_template

    today = timezone.localdate()
    contract_b = contract_create_from_template(
        actor=world["admin_b"],
        template=get_template("drg-wuhan"),
        hospital=world["contract_b"].hospital,
        vendor=world["contract_b"].vendor,
        start=today - timedelta(days=10),
        code="B-MONEY-2026",
    )
    milestone_record(
        actor=world["admin_b"],
        milestone=contract_b.payment_milestones.order_by("order").first(),
        paid_on=today,
        paid_amount=Decimal("12345.67"),
    )
    url = route.format(party=contract_b.vendor_id)

    def text(client) -> str:
        response = client.get(url)
        assert response.status_code == 200
        if "format=xlsx" in url:
            rows = load_workbook(io.BytesIO(response.content), read_only=True).active.iter_rows(
                values_only=True
            )
            return "\n".join(" ".join(str(v) for v in row) for row in rows)
        return response.content.decode("utf-8-sig")

    mine = text(client_for(world["admin_a"]))
    assert "B-MONEY-2026" not in mine and "12345.67" not in mine
    assert contract_b.vendor.name not in mine
    theirs = text(client_for(world["admin_b"]))
    assert ("B-MONEY-2026" in theirs) if "year" not in url else ("12345.67" in theirs)
