"""Warnings at 75 % of a clock, notices at breach, urgent tickets to whoever is on duty, and the
recomputation of provisional deadlines when next year's holidays arrive."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from weibao.notifications.models import Notification
from weibao.servicedesk import escalation, services
from weibao.servicedesk.models import TicketClock

from .conftest import at

pytestmark = pytest.mark.django_db


def _ticket(contract, number, created_at, **kw):
    return services.ticket_create(
        actor=None,
        contract=contract,
        term=contract.terms.get(number=number),
        title="故障",
        created_at=created_at,
        **kw,
    )


def _scan(now=None):
    """Run the scan and the notice batches it queues (inline here, as a worker would)."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        return escalation.scan(now=now)


def test_warning_at_75_percent_then_breach_notices_once(seed, people):
    contract = seed("drg-wuhan")
    ticket = _ticket(contract, 10, timezone.now() - timedelta(minutes=50))  # 1 h response on 7x24: 83 % used
    now = timezone.now()
    totals = _scan(now=now)
    assert totals["tickets"] == 1 and not Notification.objects.filter(event="sla.breached").exists()
    warned = Notification.objects.filter(event="sla.warning")
    assert {n.recipient for n in warned} == {people["manager"]}  # unassigned: the vendor's manager
    assert "75%" in warned.first().title
    _scan(now=now)
    assert Notification.objects.filter(event="sla.warning").count() == len(warned)  # once only
    later = now + timedelta(minutes=11)
    totals = _scan(now=later)
    assert totals["tickets"] == 1
    breached = Notification.objects.filter(event="sla.breached")
    assert {n.recipient for n in breached} >= {people["manager"], people["admin"]}
    clock = TicketClock.objects.get(ticket=ticket, kind="response")
    assert clock.status == "breached" and clock.breached_at == ticket.created_at + timedelta(hours=1)
    before = Notification.objects.filter(event="sla.breached").count()
    _scan(now=later)
    assert Notification.objects.filter(event="sla.breached").count() == before


def test_the_scan_finds_many_breaches_in_a_few_statements_and_the_batches_store_them(seed, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    contract = seed("pacs-huizhou")
    past = timezone.now() - timedelta(days=2)
    tickets = [_ticket(contract, 2, past) for _ in range(30)]  # 故障排除: response 1 h, resolution 24 h
    # As if last evaluated two days ago, when both clocks were running.
    TicketClock.objects.filter(ticket__in=tickets, kind__in=["response", "resolution"]).update(
        status="running"
    )
    with CaptureQueriesContext(connection) as queries:
        found = escalation.scan()  # its batches are queued after commit: not run here
    assert len(queries.captured_queries) <= 2
    # Each ticket once, though both its response and its resolution clocks breached.
    assert found["overdue"] >= 60 and found["tickets"] == 30 and found["batches"] == 1
    assert escalation.scan()["tickets"] == 0  # queued a moment ago: not queued again
    TicketClock.objects.filter(ticket__in=tickets).update(status="running")
    from django.core.cache import cache

    cache.delete(escalation._QUEUED_KEY)
    totals = _scan()  # now with the batch run, as a worker would
    assert totals["tickets"] == 30
    assert (
        not TicketClock.objects.filter(ticket__in=tickets, kind__in=["response", "resolution"])
        .exclude(status="breached")
        .exists()
    )
    assert all(t.sla_breached for t in type(tickets[0]).objects.filter(pk__in=[t.pk for t in tickets]))


def test_a_ticket_queued_for_a_warning_is_queued_again_when_it_breaches(seed, people):
    """The memory of queued notices is per clock and kind: a pending warning does not hide the
    breach that follows, and after REQUEUE_AFTER a notice still pending is queued again."""
    contract = seed("drg-wuhan")
    _ticket(contract, 10, timezone.now() - timedelta(minutes=50))  # 1 h response: 83 %
    now = timezone.now()
    assert escalation.scan(now=now)["tickets"] == 1  # the warning (its batch not run)
    assert escalation.scan(now=now + timedelta(minutes=1))["tickets"] == 0
    assert escalation.scan(now=now + timedelta(minutes=11))["tickets"] == 1  # breached by then
    assert escalation.scan(now=now + timedelta(minutes=12))["tickets"] == 0
    later = now + timedelta(minutes=12) + escalation.REQUEUE_AFTER
    assert escalation.scan(now=later)["tickets"] == 1


def test_a_fatal_ticket_or_one_after_hours_reaches_the_people_on_duty(
    seed, people, django_capture_on_commit_callbacks
):
    contract = seed("drg-wuhan")
    with django_capture_on_commit_callbacks(execute=True):
        _ticket(contract, 10, at("2026-03-02 10:00"), severity=contract.severities.get(code="fatal"))
    urgent = Notification.objects.filter(event="ticket.fatal")
    assert {n.recipient for n in urgent} == {people["manager"], people["engineer"]}
    assert "致命" in urgent.first().title
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        _ticket(contract, 1, at("2026-03-02 20:00"))  # Monday evening: outside 5x8
    assert Notification.objects.filter(event="ticket.after_hours", title__contains="非工作时间").count() == 2
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        _ticket(contract, 1, at("2026-03-02 10:00"))
    assert set(Notification.objects.values_list("event", flat=True)) == {"ticket.created"}


def test_the_scheduled_check_notifies_without_waiting_for_the_scan(seed, people):
    from weibao.servicedesk.tasks import check_ticket

    ticket = _ticket(seed("drg-wuhan"), 10, timezone.now() - timedelta(hours=2))
    check_ticket.call_local(ticket.pk)
    assert Notification.objects.filter(event="sla.breached").exists()


def test_importing_a_years_holidays_recomputes_provisional_deadlines(
    seed, django_capture_on_commit_callbacks
):
    from weibao.calendars.models import StatutoryYear
    from weibao.calendars.services import statutory_year_set
    from weibao.calendars.statutory import from_chinese_calendar

    # As a hospital would stand in autumn before the notice: the year has no statutory data yet.
    StatutoryYear.objects.filter(year=2026).delete()
    contract = seed("drg-wuhan")
    ticket = _ticket(contract, 4, at("2026-09-30 17:00"))  # 需求变更: resolution in 3 working days (5x8)
    resolution = ticket.clocks.get(kind="resolution")
    assert resolution.provisional and resolution.due_at == at("2026-10-05 18:00")  # Mon–Fri fallback
    ticket.refresh_from_db()
    assert ticket.sla_provisional
    with django_capture_on_commit_callbacks(execute=True):
        statutory_year_set(actor=None, data=from_chinese_calendar([2026]), year=2026)
    resolution.refresh_from_db()
    # 10-01..10-07 off; 10-08, 10-09 and the 调休 Saturday 10-10 are the three working days.
    assert not resolution.provisional and resolution.due_at == at("2026-10-10 18:00")
    ticket.refresh_from_db()
    assert not ticket.sla_provisional


def test_changing_a_calendar_recomputes_open_tickets(seed, people, django_capture_on_commit_callbacks):
    from weibao.calendars.models import WorkCalendar
    from weibao.calendars.services import exception_set

    contract = seed("drg-wuhan")
    ticket = _ticket(contract, 8, at("2026-03-06 18:30"))  # 维护培训: workday appointment on 5x8
    assert ticket.clocks.get(kind="response").due_at == at("2026-03-09 08:00")
    from weibao.testing.factories import PlatformOrgFactory, member

    platform = member(PlatformOrgFactory(), "platform_admin")
    with django_capture_on_commit_callbacks(execute=True):
        exception_set(
            actor=platform,
            calendar=WorkCalendar.objects.get(code="5x8"),
            day=at("2026-03-09 00:00").date(),
            periods=[],
            note="停电",
        )
    assert ticket.clocks.get(kind="response").due_at == at("2026-03-10 08:00")


@pytest.mark.django_db(transaction=True)  # the job closes its connection after it, as in a worker
def test_a_new_ticket_queues_one_job_that_schedules_its_first_check(
    seed, people, django_capture_on_commit_callbacks
):
    """The report queues one job; run, it schedules the check at the first warning (75 % of the
    1 h response on 7x24 = 45 min after the report) and sends the created notice."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = False
    HUEY.flush()
    created_at = timezone.now().replace(microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = _ticket(seed("drg-wuhan"), 10, created_at)
    assert HUEY.pending_count() == 1 and HUEY.scheduled_count() == 0
    HUEY.execute(HUEY.dequeue())
    assert Notification.objects.filter(event__startswith="ticket.").exists()
    (check,) = HUEY.pending()  # huey queues a scheduled task with its eta; the consumer holds it
    assert check.name.endswith("check_ticket") and check.args == (ticket.pk,)
    first_warning = ticket.clocks.get(kind="response").warn_at
    assert first_warning == created_at + timedelta(minutes=45)
    assert check.eta == first_warning.astimezone(UTC).replace(tzinfo=None)


def test_a_batch_of_breaches_costs_the_same_reads_whatever_its_size(seed, people):
    """check_many reads a batch in a fixed number of queries (3 overdue tickets and 12 cost the
    same), writes only the rows that changed, and tells about every one of them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    contract = seed("drg-wuhan")
    created = timezone.now() - timedelta(hours=3)
    small = [_ticket(contract, 10, created).pk for _ in range(3)]
    large = [_ticket(contract, 10, created).pk for _ in range(12)]
    counts = []
    for ids in (small, large):
        with CaptureQueriesContext(connection) as queries:
            totals = escalation.check_many(ids)
        assert totals["tickets"] == len(ids) and totals["breaches"] >= len(ids)
        reads = [q for q in queries.captured_queries if q["sql"].startswith("SELECT")]
        writes = [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
        counts.append(len(reads))
        assert len(writes) == len(ids) * 2  # the breached clock and the ticket's flags
    assert counts[0] == counts[1] <= 10
    breached = Notification.objects.filter(event="sla.breached")
    assert {n.recipient for n in breached} == {people["manager"], people["admin"]}
    assert breached.count() == 2 * TicketClock.objects.filter(breach_notified_at__isnull=False).count()
    assert not TicketClock.objects.filter(ticket_id__in=small + large, status="running").exists()


def test_a_running_clock_past_its_due_shows_as_breached_before_its_check_stores_it(seed, people):
    """Between a due passing and the check (or the scan's batch) storing the breach, pages
    already show the clock red and overdue, never a negative remaining time."""
    from weibao.servicedesk.templatetags.servicedesk_tags import clock_badge

    ticket = _ticket(seed("drg-wuhan"), 10, timezone.now() - timedelta(minutes=30))
    clock = ticket.clocks.get(kind="response")  # 1 h on 7x24, stored while running
    assert clock.status == "running"
    before = clock_badge(clock, now=clock.due_at - timedelta(minutes=5))
    assert "剩余" in before and "danger" not in before
    after = clock_badge(clock, now=clock.due_at + timedelta(minutes=20))
    assert 'class="clock badge danger"' in after and "已超时 20分钟" in after and "剩余" not in after
