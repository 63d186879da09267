"""Which tickets a late-response rule counts: once each, on the rule's calendar, and with
``also_clock`` the handling time too (the rule chooses)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from weibao.assessments.facts import late_tickets

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
