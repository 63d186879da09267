"""Which tickets a late-response rule counts: once each, on the rule's calendar, and with
``also_clock`` the handling time too (the rule chooses)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from weibao.assessments.facts import late_candidates, late_tickets
from weibao.servicedesk.choices import ClockKind
from weibao.servicedesk.models import TicketClock
from weibao.servicedesk.selectors import contract_tickets_between

from .conftest import at

pytestmark = pytest.mark.django_db

RULE = {"code": "late", "kind": "late_response", "threshold": "1h", "clock": "response", "calendar": "7x24"}


def row(pk, created, responded=None, resolved=None, state="closed"):
    return {
        "id": pk,
        "state": state,
        "created_at": created,
        "responded_at": responded,
        "resolved_at": resolved,
    }


@pytest.mark.parametrize(
    "rule, expected",
    [
        (RULE, [2, 4, 6]),
        ({**RULE, "also_clock": "resolution"}, [2, 3, 4, 6]),
        ({**RULE, "calendar": "5x8"}, [2, 6]),  # Saturday night is closed time on 5x8
    ],
)
def test_late_tickets(make_contract, rule, expected):
    contract, _desk, _admin = make_contract("drg-wuhan")
    t0 = at("2026-07-06", "09:00")  # a Monday
    end = at("2026-10-01", "00:00")
    rows = [
        row(1, t0, t0 + timedelta(minutes=30), t0 + timedelta(minutes=59)),
        row(2, t0, t0 + timedelta(hours=2), t0 + timedelta(hours=3)),  # late, counted once
        row(3, t0, t0 + timedelta(minutes=10), t0 + timedelta(hours=5)),  # slow handling only
        row(4, at("2026-07-11", "22:00"), at("2026-07-12", "01:00")),  # Saturday night, 3 h on 7x24
        row(5, t0, t0 + timedelta(hours=9), state="cancelled"),  # cancelled: never counted
        row(6, at("2026-09-30", "09:00"), None, state="new"),  # unanswered at the period's end
        row(7, at("2026-09-30", "23:30"), None, state="new"),  # 30 min before the end: not yet
    ]
    assert late_tickets(contract, rule, rows, end, at("2026-12-01")) == expected


@pytest.mark.parametrize(
    "rule",
    [
        RULE,
        {**RULE, "also_clock": "resolution"},
        {**RULE, "calendar": "5x8"},
        {**RULE, "also_clock": "onsite"},
    ],
)
def test_the_database_leaves_out_only_tickets_that_cannot_be_late(make_contract, rule):
    contract, desk, _admin = make_contract("drg-wuhan")
    t0 = at("2026-07-10", "17:30")  # a Friday: 5x8 closes at 17:30 or 18:00
    tickets = [
        desk.ticket(t0, respond_after=timedelta(minutes=10)),
        desk.ticket(t0, respond_after=timedelta(minutes=59, seconds=59)),
        desk.ticket(t0, respond_after=timedelta(hours=1)),
        desk.ticket(t0, respond_after=timedelta(hours=1, seconds=1)),
        desk.ticket(t0, respond_after=timedelta(hours=70)),  # over the weekend
        desk.ticket(t0, respond_after=None),  # never answered
        desk.ticket(t0, respond_after=timedelta(minutes=20)),  # handled in 50 minutes
    ]
    end, now = at("2026-10-01", "00:00"), at("2026-12-01")
    qs = contract_tickets_between(contract.pk, at("2026-07-01", "00:00"), end)
    everything = [
        dict(r) for r in qs.values("id", "state", "created_at", "responded_at", "resolved_at").order_by("id")
    ]
    for r in everything:
        clock = TicketClock.objects.filter(ticket_id=r["id"], kind=ClockKind.ONSITE).first()
        r["arrived_at"] = clock.met_at if clock else None
    candidates = late_candidates(qs, rule)
    assert late_tickets(contract, rule, candidates, end, now) == late_tickets(
        contract, rule, everything, end, now
    )
    assert len(everything) == len(tickets)
    if "also_clock" not in rule:  # measured: the response of an hour exactly (a second spared) and more
        assert [r["id"] for r in candidates] == [t.pk for t in tickets[2:6]]
