"""Fixtures of the service desk tests: seed contracts and the people around them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from weibao.accounts.choices import Role
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.testing.factories import DepartmentFactory, VendorFactory, member

Z = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    """``"2026-03-02 02:00"`` in Beijing time."""
    return datetime.fromisoformat(text).replace(tzinfo=Z)


@pytest.fixture
def seed(hospital):
    """Contracts from the seed templates, created on demand: ``seed("drg-wuhan")``."""
    vendor = VendorFactory()
    made = {}

    def make(code: str):
        if code not in made:
            made[code] = contract_create_from_template(
                actor=None,
                template=get_template(code),
                hospital=hospital,
                vendor=vendor,
                start=date(2026, 1, 1),
                amount=Decimal("100000"),
                code=f"T-{code}",
            )
        return made[code]

    make.vendor = vendor
    return make


@pytest.fixture
def people(hospital, seed):
    radiology = DepartmentFactory(hospital=hospital, name="放射科")
    return {
        "admin": member(hospital, Role.HOSPITAL_ADMIN),
        "doctor": member(hospital, Role.DEPARTMENT_USER, department=radiology),
        "engineer": member(seed.vendor, Role.VENDOR_ENGINEER),
        "manager": member(seed.vendor, Role.VENDOR_MANAGER),
        "radiology": radiology,
    }
