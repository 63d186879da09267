from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from weibao.accounts.choices import Role
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.residency import services
from weibao.testing.factories import member


@pytest.fixture
def his(hospital, vendor):
    """Seed 002's HIS contract (2 resident engineers, hospital hours), its team in post."""
    contract = contract_create_from_template(
        actor=None,
        template=get_template("his-3y"),
        hospital=hospital,
        vendor=vendor,
        start=date(2026, 1, 1),
        amount=Decimal("2940000"),
        code="HIS-RES",
    )
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    manager = member(vendor, Role.VENDOR_MANAGER)
    eng_a = member(vendor, Role.VENDOR_ENGINEER, first_name="张工")
    eng_b = member(vendor, Role.VENDOR_ENGINEER, first_name="李工")
    residents = []
    for name, user in (("张工", eng_a), ("李工", eng_b)):
        m = services.member_propose(
            actor=manager,
            contract=contract,
            name=name,
            role="驻场工程师",
            resident=True,
            experience_years=3,
            user=user,
        )
        services.member_decide(actor=admin, member=m, consent=True)
        m.refresh_from_db()
        residents.append(m)
    return SimpleNamespace(
        contract=contract,
        admin=admin,
        manager=manager,
        eng_a=eng_a,
        eng_b=eng_b,
        a=residents[0],
        b=residents[1],
    )
