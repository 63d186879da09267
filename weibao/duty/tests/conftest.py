"""Fixtures of the duty tests: a seed contract, its vendor's engineers, and the real SMTP server
and robot receiver of the notification tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from weibao.accounts.choices import Role
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.notifications.tests.conftest import huey_queue, robot_receiver, smtp_server  # noqa: F401
from weibao.servicedesk.tests.conftest import at  # noqa: F401
from weibao.testing.factories import VendorFactory, member


@pytest.fixture
def duty_vendor(db):
    return VendorFactory(name="联影维保")


@pytest.fixture
def contract(hospital, duty_vendor):
    """The DRG contract of seed 001 (its severities include 致命错误), for 2026."""
    return contract_create_from_template(
        actor=None,
        template=get_template("drg-wuhan"),
        hospital=hospital,
        vendor=duty_vendor,
        start=date(2026, 1, 1),
        amount=Decimal("100000"),
        code="T-DRG",
    )


@pytest.fixture
def team(hospital, duty_vendor):
    """Three engineers and a manager of the vendor, each with a mailbox and a phone; the
    hospital's admin."""
    engineers = [
        member(
            duty_vendor,
            Role.VENDOR_ENGINEER,
            username=f"eng{i}",
            first_name=name,
            last_name="",
            email=f"eng{i}@vendor.test",
            phone=f"1390000000{i}",
        )
        for i, name in enumerate(["张伟", "李娜", "王强"], start=1)
    ]
    return {
        "engineers": engineers,
        "manager": member(duty_vendor, Role.VENDOR_MANAGER, username="mgr", email="mgr@vendor.test"),
        "admin": member(hospital, Role.HOSPITAL_ADMIN, username="hadmin", email="admin@hospital.test"),
    }
