"""Fixtures shared by the process tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def contract(db, hospital):
    from datetime import date
    from decimal import Decimal

    from weibao.accounts.choices import Role
    from weibao.contracts.services import contract_create_from_template
    from weibao.contracts.template_loader import get_template
    from weibao.testing.factories import VendorFactory, member

    vendor = VendorFactory()
    member(vendor, Role.VENDOR_MANAGER, email="pm@vendor.test")
    return contract_create_from_template(
        actor=None,
        template=get_template("drg-wuhan"),
        hospital=hospital,
        vendor=vendor,
        start=date(2026, 1, 1),
        amount=Decimal("100000"),
        code="PROC-1",
    )
