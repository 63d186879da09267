"""What the issue asks to see: the National Day 2026 plan has a duty group for each day, and a
致命 ticket reported at 03:00 on 10-03 reaches that day's engineers on duty, by email through a
real SMTP server and on the vendor's group robot, and nobody who is off duty."""

from __future__ import annotations

from datetime import date
from itertools import pairwise

import pytest

from weibao.accounts.choices import Role
from weibao.duty import selectors, services
from weibao.duty.models import HolidayDutyPlan
from weibao.notifications.choices import Event
from weibao.notifications.models import Delivery, Notification
from weibao.notifications.services import robot_create
from weibao.servicedesk import services as sd_services
from weibao.testing.factories import member

from .conftest import at

pytestmark = pytest.mark.django_db


def test_national_day_plan_and_a_fatal_ticket_at_3am_reaches_that_days_duty_group(
    contract, team, duty_vendor, smtp_server, robot_receiver, django_capture_on_commit_callbacks
):
    manager = team["manager"]
    plans = services.holiday_plans_generate(
        actor=manager,
        contract=contract,
        year=2026,
        engineers=team["engineers"],
        emergency_plan_link="YJ-2026-01",
    )
    assert len(plans) >= 7  # 元旦 … 国庆节: every 2026 holiday within the contract's year
    plan = HolidayDutyPlan.objects.get(contract=contract, holiday="国庆节")
    assert (plan.start, plan.end) == (date(2026, 10, 1), date(2026, 10, 7))
    days = selectors.plan_days(plan)
    assert [d.day for d in days] == [date(2026, 10, d) for d in range(1, 8)]
    assert all(len(d.primary) == 1 and len(d.backup) == 1 for d in days)
    primaries = [d.primary[0].engineer for d in days]
    assert all(a != b for a, b in pairwise(primaries))  # a rota, not one person
    assert {s.phone for d in days for s in d.primary} <= {u.phone for u in team["engineers"]}

    third = days[2]
    on, backup = third.primary[0].engineer, third.backup[0].engineer
    off = next(u for u in team["engineers"] if u not in (on, backup))
    assert selectors.on_duty_engineers(contract, at("2026-10-03 03:00")) == [on, backup]

    # The vendor's duty group robot (WeCom), subscribed to fatal faults only.
    robot_create(
        actor=manager,
        organization=duty_vendor,
        kind="wecom",
        name="值班群",
        url=robot_receiver.url("/cgi-bin/webhook/send?key=duty-group"),
        events=[Event.TICKET_FATAL],
    )
    reporter = member(contract.hospital, Role.HOSPITAL_ADMIN, email="night@hospital.test")
    with django_capture_on_commit_callbacks(execute=True):
        ticket = sd_services.ticket_create(
            actor=reporter,
            contract=contract,
            term=contract.terms.get(number=10),
            title="DRG 分组服务中断",
            severity=contract.severities.get(code="fatal"),
            created_at=at("2026-10-03 03:00"),
        )

    fatal = Notification.objects.filter(event="ticket.fatal")
    assert {n.recipient for n in fatal} == {on, backup}
    assert "致命" in fatal.first().title and ticket.number in fatal.first().title
    mails = {tuple(m.rcpt_tos): m for m in smtp_server.received}
    assert set(mails) == {(on.email,), (backup.email,)}
    assert all("致命" in m.subject for m in mails.values())
    assert off.email not in {r for m in smtp_server.received for r in m.rcpt_tos}
    assert manager.email not in {r for m in smtp_server.received for r in m.rcpt_tos}
    (posted,) = robot_receiver.requests
    assert ticket.number in str(posted.body)
    assert Delivery.objects.filter(robot__isnull=False, status="sent").count() == 1


def test_without_a_shift_the_vendors_whole_team_hears_of_a_fatal_ticket(
    contract, team, django_capture_on_commit_callbacks
):
    """No roster covers the time: the service desk falls back to every manager and engineer."""
    with django_capture_on_commit_callbacks(execute=True):
        sd_services.ticket_create(
            actor=None,
            contract=contract,
            term=contract.terms.get(number=10),
            title="故障",
            severity=contract.severities.get(code="fatal"),
            created_at=at("2026-03-02 10:00"),
        )
    reached = {n.recipient for n in Notification.objects.filter(event="ticket.fatal")}
    assert reached == {*team["engineers"], team["manager"]}


def test_an_after_hours_ticket_reaches_the_night_shift(contract, team, django_capture_on_commit_callbacks):
    night = team["engineers"][1]
    services.shift_create(
        actor=team["manager"],
        contract=contract,
        engineer=night,
        start=at("2026-03-02 18:00"),
        end=at("2026-03-03 08:00"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        sd_services.ticket_create(
            actor=None,
            contract=contract,
            term=contract.terms.get(number=1),
            title="夜间报修",
            created_at=at("2026-03-02 20:00"),
        )
    assert {n.recipient for n in Notification.objects.filter(event="ticket.after_hours")} == {night}
