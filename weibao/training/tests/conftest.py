from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from weibao.accounts.choices import Role
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.testing.factories import DepartmentFactory, member
from weibao.training import services

Z = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def drg(hospital, vendor):
    """Seed 001's DRG contract, a vendor engineer who trains, and two department users."""
    contract = contract_create_from_template(
        actor=None,
        template=get_template("drg-wuhan"),
        hospital=hospital,
        vendor=vendor,
        start=date(2026, 1, 1),
        amount=Decimal("100000"),
        code="DRG-TRAIN",
    )
    dept = DepartmentFactory(hospital=hospital, name="病案科")
    trainer = member(vendor, Role.VENDOR_ENGINEER, first_name="培训讲师")
    session = services.session_create(
        actor=trainer,
        contract=contract,
        kind="operation",
        title="DRG 分组结果查看",
        trainer="王讲师",
        starts_at=datetime(2026, 11, 18, 14, 0, tzinfo=Z),
        place="行政楼三楼会议室",
        content="分组结果、费用结构、常见问题",
        materials="操作手册 v2.pdf\n培训视频",
    )
    return SimpleNamespace(
        contract=contract,
        trainer=trainer,
        session=session,
        admin=member(hospital, Role.HOSPITAL_ADMIN),
        user1=member(hospital, Role.DEPARTMENT_USER, department=dept, first_name="赵护士"),
        user2=member(hospital, Role.DEPARTMENT_USER, department=dept, first_name="钱医生"),
    )
