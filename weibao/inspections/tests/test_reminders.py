"""Reminders 5 workdays before and on the due date, each once, to the people who work the contract."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from weibao.accounts.choices import Role
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.inspections.cadence import statutory_workday, workdays_before
from weibao.inspections.services import inspections_remind
from weibao.notifications.models import Notification
from weibao.testing.factories import VendorFactory, member

pytestmark = pytest.mark.django_db
D = date


def test_workdays_before_skips_weekends_and_holidays():
    is_workday = statutory_workday({D(2026, 4, 6): False, D(2026, 10, 10): True, D(2026, 10, 9): True})
    assert workdays_before(D(2026, 4, 10), 5, is_workday) == D(2026, 4, 2)  # over 清明 and a weekend
    assert workdays_before(D(2026, 3, 13), 5, is_workday) == D(2026, 3, 6)
    assert workdays_before(D(2026, 10, 12), 1, is_workday) == D(2026, 10, 10)  # a make-up Saturday


def test_reminders_go_ahead_and_on_the_due_date_once(hospital, vendor, other_hospital):
    # his-3y from 2026-01-01: due 2026-04-10 (Friday); 5 workdays before is Thursday 2 April (清明 on the 6th)
    contract_create_from_template(
        actor=None,
        template=get_template("his-3y"),
        hospital=hospital,
        vendor=vendor,
        start=D(2026, 1, 1),
        amount=Decimal("100000"),
        code="HIS-REM",
    )
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    engineer = member(vendor, Role.VENDOR_ENGINEER)
    outsider = member(other_hospital, Role.HOSPITAL_ADMIN)
    other_vendor_engineer = member(VendorFactory(), Role.VENDOR_ENGINEER)
    dept = member(hospital, Role.DEPARTMENT_USER)

    def notices():
        return list(
            Notification.objects.filter(event="inspection.due")
            .order_by("pk")
            .values_list("recipient_id", "title")
        )

    assert inspections_remind(today=D(2026, 4, 1)) == 0
    assert inspections_remind(today=D(2026, 4, 2)) == 1
    got = notices()
    assert {u for u, _t in got} == {admin.pk, engineer.pk}
    assert all("即将到期" in t and "2026-04-10" in t and "HIS-REM" in t for _u, t in got)
    assert inspections_remind(today=D(2026, 4, 3)) == 0  # once
    assert inspections_remind(today=D(2026, 4, 10)) == 1
    due_day = [t for _u, t in notices() if "今天到期" in t]
    assert len(due_day) == 2 and "2026-04-10" in due_day[0]
    assert inspections_remind(today=D(2026, 4, 10)) == 0
    users = {u for u, _t in notices()}
    assert outsider.pk not in users and other_vendor_engineer.pk not in users and dept.pk not in users
