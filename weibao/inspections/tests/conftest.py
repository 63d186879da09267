"""Fixtures of the inspection tests: a PACS contract in force with its plan, and its people."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from weibao.accounts.choices import Role
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.inspections.models import Inspection
from weibao.testing.factories import DepartmentFactory, member


@pytest.fixture
def pacs_contract(hospital, vendor):
    today = timezone.localdate()
    return contract_create_from_template(
        actor=None,
        template=get_template("pacs-huizhou"),
        hospital=hospital,
        vendor=vendor,
        start=date(today.year, 1, 1),
        amount=Decimal("100000"),
        code="PACS-INSP",
    )


@pytest.fixture
def due(pacs_contract):
    """The contract's first inspection, not started."""
    return Inspection.objects.filter(contract=pacs_contract).order_by("due").first()


@pytest.fixture
def people(hospital, vendor):
    return {
        "engineer": member(vendor, Role.VENDOR_ENGINEER),
        "manager": member(vendor, Role.VENDOR_MANAGER),
        "admin": member(hospital, Role.HOSPITAL_ADMIN),
        "department": member(
            hospital, Role.DEPARTMENT_USER, department=DepartmentFactory(hospital=hospital, name="放射科")
        ),
    }
