"""The rosters' services: who may draw them up, validation, swaps with approval, weekly patterns,
and "who is on duty" as one query."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from weibao.accounts.choices import Role
from weibao.audit.models import AuditEvent
from weibao.duty import selectors, services
from weibao.duty.choices import ShiftSource, SwapState
from weibao.duty.models import DutyShift
from weibao.testing.factories import VendorFactory, member

from .conftest import at

pytestmark = pytest.mark.django_db


def test_only_the_vendors_managers_and_the_hospitals_admins_draw_up_plans(contract, team):
    engineer = team["engineers"][0]
    with pytest.raises(PermissionDenied):
        services.holiday_plans_generate(actor=engineer, contract=contract, year=2026, engineers=[engineer])
    made = services.holiday_plans_generate(
        actor=team["admin"], contract=contract, year=2026, engineers=[engineer]
    )
    assert made and AuditEvent.objects.filter(action="duty.plan").count() == 1


def test_plans_refuse_strangers_unknown_years_and_nobody(contract, team):
    stranger = member(VendorFactory(), Role.VENDOR_ENGINEER)
    manager = team["manager"]
    with pytest.raises(ValidationError) as exc:
        services.holiday_plans_generate(actor=manager, contract=contract, year=2026, engineers=[stranger])
    assert "不是本合同厂商的工程师" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        services.holiday_plans_generate(
            actor=manager, contract=contract, year=2031, engineers=team["engineers"]
        )
    assert "2031 年的法定节假日安排尚未导入" in str(exc.value)
    with pytest.raises(ValidationError):
        services.holiday_plans_generate(actor=manager, contract=contract, year=2026, engineers=[])


def test_generating_again_redraws_the_groups_and_keeps_one_plan_per_holiday(contract, team):
    manager, (a, b, c) = team["manager"], team["engineers"]
    first = services.holiday_plans_generate(actor=manager, contract=contract, year=2026, engineers=[a, b])
    again = services.holiday_plans_generate(actor=manager, contract=contract, year=2026, engineers=[c])
    assert [p.pk for p in first] == [p.pk for p in again]
    assert set(DutyShift.objects.filter(contract=contract).values_list("engineer", flat=True)) == {c.pk}


def test_on_duty_is_one_query_primary_first(contract, team, django_assert_num_queries):
    manager, (a, b, _c) = team["manager"], team["engineers"]
    services.shift_create(
        actor=manager,
        contract=contract,
        engineer=b,
        role="backup",
        start=at("2026-03-02 18:00"),
        end=at("2026-03-03 08:00"),
    )
    services.shift_create(
        actor=manager, contract=contract, engineer=a, start=at("2026-03-02 18:00"), end=at("2026-03-03 08:00")
    )
    with django_assert_num_queries(1):
        shifts = list(selectors.on_duty(contract, at("2026-03-03 07:59")))
    assert [(s.engineer, s.role) for s in shifts] == [(a, "primary"), (b, "backup")]
    assert selectors.on_duty_engineers(contract, at("2026-03-03 08:00")) == []  # the end is not covered


def test_a_shift_must_end_after_it_starts(contract, team):
    with pytest.raises(ValidationError) as exc:
        services.shift_create(
            actor=team["manager"],
            contract=contract,
            engineer=team["engineers"][0],
            start=at("2026-03-02 18:00"),
            end=at("2026-03-02 18:00"),
        )
    assert "结束时间必须晚于开始时间" in str(exc.value)


def test_a_swap_changes_hands_only_when_approved(contract, team):
    manager, (a, b, c) = team["manager"], team["engineers"]
    soon = timezone.now() + timezone.timedelta(days=1)
    shift = services.shift_create(
        actor=manager, contract=contract, engineer=a, start=soon, end=soon + timezone.timedelta(hours=8)
    )
    with pytest.raises(PermissionDenied):  # b cannot give away a's shift
        services.swap_request(actor=b, shift=shift, to_engineer=c, reason="家里有事")
    with pytest.raises(ValidationError):
        services.swap_request(actor=a, shift=shift, to_engineer=a, reason="x")
    swap = services.swap_request(actor=a, shift=shift, to_engineer=b, reason="家里有事")
    with pytest.raises(ValidationError):  # one open request per shift
        services.swap_request(actor=a, shift=shift, to_engineer=c, reason="又有事")
    shift.refresh_from_db()
    assert shift.engineer == a
    with pytest.raises(PermissionDenied):  # the engineer cannot approve their own swap
        services.swap_decide(actor=a, swap=swap, approve=True)
    services.swap_decide(actor=manager, swap=swap, approve=True)
    shift.refresh_from_db()
    swap.refresh_from_db()
    assert (shift.engineer, shift.phone, swap.state) == (b, b.phone, SwapState.APPROVED)
    with pytest.raises(ValidationError):
        services.swap_decide(actor=manager, swap=swap, approve=False)
    refused = services.swap_request(actor=b, shift=shift, to_engineer=c, reason="出差")
    services.swap_decide(actor=team["admin"], swap=refused, approve=False)
    shift.refresh_from_db()
    assert shift.engineer == b


def test_the_weekly_pattern_gives_shifts_except_on_holiday_plan_days(contract, team):
    manager, (a, b, _c) = team["manager"], team["engineers"]
    services.holiday_plans_generate(actor=manager, contract=contract, year=2026, engineers=[b])
    services.pattern_set(
        actor=manager,
        contract=contract,
        lines=[(d, time(18), time(8), a, "primary") for d in range(7)],
    )
    made = services.shifts_generate(
        actor=manager, contract=contract, first=date(2026, 9, 28), last=date(2026, 10, 11)
    )
    assert made == 14 - 7  # National Day's seven days are the holiday plan's
    pattern = DutyShift.objects.filter(contract=contract, source=ShiftSource.PATTERN)
    assert not pattern.filter(start__date__gte=date(2026, 10, 1), start__date__lte=date(2026, 10, 7)).exists()
    # Run again over the same range: redrawn, not doubled.
    assert (
        services.shifts_generate(
            actor=manager, contract=contract, first=date(2026, 9, 28), last=date(2026, 10, 11)
        )
        == 7
    )
    assert pattern.count() == 7
    assert selectors.on_duty_engineers(contract, at("2026-09-29 02:00")) == [a]
    assert selectors.on_duty_engineers(contract, at("2026-10-03 02:00")) == [b]
    with pytest.raises(ValidationError):
        services.shifts_generate(
            actor=manager, contract=contract, first=date(2026, 10, 2), last=date(2026, 10, 1)
        )


def test_the_calendar_feed_token_is_renewed(team):
    user = team["engineers"][0]
    first = services.calendar_feed(user=user).token
    assert services.calendar_feed(user=user).token == first
    assert services.calendar_feed(user=user, renew=True).token != first


def test_naive_times_are_refused(contract, team):
    with pytest.raises(ValidationError):
        services.shift_create(
            actor=team["manager"],
            contract=contract,
            engineer=team["engineers"][0],
            start=datetime(2026, 3, 2, 18),
            end=datetime(2026, 3, 2, 20),
        )
