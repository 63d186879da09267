"""A pacs-huizhou contract (quarterly 记录单 and 巡检报告) with tickets on both sides of 2026Q3."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from weibao.accounts.choices import Role
from weibao.assessments.tests.conftest import Desk
from weibao.contracts.models import MaintainedSystem
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.reports.periods import BEIJING
from weibao.servicedesk import services as sd
from weibao.testing.factories import DepartmentFactory, VendorFactory, member


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=BEIJING)


@pytest.fixture
def quarter(hospital, vendor):
    """Tickets of 2026Q3 (the first instant, the last second and one worked and confirmed in
    between) and two just outside it (the last second of Q2, the first instant of Q4)."""
    contract = contract_create_from_template(
        actor=None,
        template=get_template("pacs-huizhou"),
        hospital=hospital,
        vendor=vendor,
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
        amount=Decimal("180000"),
        code="HZ-PACS-2026",
    )
    admin = member(hospital, Role.HOSPITAL_ADMIN, display_name="信息科王")
    engineer = member(vendor, Role.VENDOR_ENGINEER, display_name="工程师李")
    manager = member(vendor, Role.VENDOR_MANAGER)
    department = DepartmentFactory(hospital=hospital, name="超声科")
    reporter = member(hospital, Role.DEPARTMENT_USER, department=department)
    term = contract.terms.order_by("number").first()
    system = MaintainedSystem.objects.filter(contract=contract).first()

    def ticket(title: str, when: datetime, assignee=None):
        return sd.ticket_create(
            actor=admin,
            contract=contract,
            term=term,
            title=title,
            description="无法调阅影像",
            system=system,
            department=department,
            reporter=reporter,
            created_at=when,
            assignee=assignee,
        )

    before = ticket("二季度最后一秒的工单", at(2026, 6, 30, 23, 59, 59))
    first = ticket("三季度第一张工单", at(2026, 7, 1))
    worked = ticket("三季度处理完的工单", at(2026, 8, 3, 9, 0), assignee=engineer)
    last = ticket("三季度最后一秒的工单", at(2026, 9, 30, 23, 59, 59))
    after = ticket("四季度第一张工单", at(2026, 10, 1))
    t0 = at(2026, 8, 3, 9, 0)
    worked = sd.ticket_transition(
        actor=engineer, ticket=worked, action="respond", at=t0 + timedelta(minutes=10)
    )
    worked = sd.ticket_transition(
        actor=engineer, ticket=worked, action="start", at=t0 + timedelta(minutes=20)
    )
    worked = sd.ticket_transition(
        actor=engineer,
        ticket=worked,
        action="resolve",
        at=t0 + timedelta(hours=2),
        solution="重启影像服务",
        root_cause="服务内存泄漏",
    )
    worked = sd.ticket_transition(
        actor=reporter, ticket=worked, action="confirm", at=t0 + timedelta(hours=3), rating=5
    )
    return {
        "contract": contract,
        "admin": admin,
        "engineer": engineer,
        "manager": manager,
        "reporter": reporter,
        "inside": [first, worked, last],
        "outside": [before, after],
    }


@pytest.fixture
def running(hospital, other_hospital, vendor):
    """A drg-wuhan contract of 44,000 yuan that started 30 days ago (its first contract quarter
    runs today), with one response over 1 h and one 严重 vendor-caused fault; another hospital's
    contract with the same vendor and one with another vendor."""
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    manager = member(vendor, Role.VENDOR_MANAGER)
    today = timezone.localdate()
    contract = contract_create_from_template(
        actor=admin,
        template=get_template("drg-wuhan"),
        hospital=hospital,
        vendor=vendor,
        start=today - timedelta(days=30),
        amount=Decimal("44000"),
        code="WH-DRG-LIVE",
    )
    desk = Desk(contract, admin)
    now = timezone.now()
    late = desk.ticket(now - timedelta(days=2), respond_after=timedelta(hours=2))
    fault = desk.ticket(now - timedelta(days=3), term=10, severity="serious", vendor_caused=True)
    admin_b = member(other_hospital, Role.HOSPITAL_ADMIN)
    same_vendor = contract_create_from_template(
        actor=admin_b,
        template=get_template("drg-wuhan"),
        hospital=other_hospital,
        vendor=vendor,
        start=today - timedelta(days=10),
        code="B-SAME-VENDOR",
    )
    other_vendor = contract_create_from_template(
        actor=admin_b,
        template=get_template("drg-wuhan"),
        hospital=other_hospital,
        vendor=VendorFactory(),
        start=today - timedelta(days=10),
        code="B-OTHER-VENDOR",
    )
    return {
        "contract": contract,
        "admin": admin,
        "manager": manager,
        "late": late,
        "fault": fault,
        "admin_b": admin_b,
        "same_vendor": same_vendor,
        "other_vendor": other_vendor,
    }
