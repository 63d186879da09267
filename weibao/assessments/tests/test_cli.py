"""``weibao assess``: the computed facts and deductions, as text and as JSON."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from weibao.assessments.models import Assessment

from .test_scenarios import seed_003_quarter

pytestmark = pytest.mark.django_db


def test_assess_json_lists_the_lines_and_their_tickets(make_contract):
    contract, _admin, late, _exactly, fault, _others = seed_003_quarter(make_contract)
    out = StringIO()
    call_command("assess", "--contract", contract.code, "--period", "2026Q3", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["period"] == "2026Q3" and data["assessment"] == "quarterly"
    assert data["facts"]["tickets"] == 22 and data["facts"]["late:late-response"] == 2
    assert data["facts"]["vendor_faults"] == 1 and data["facts"]["adverse_events"] == 0
    assert [(d["rule"], d["amount"], d["tickets"]) for d in data["deductions"]] == [
        ("late-response", "440.00", [late[0].pk]),
        ("late-response", "440.00", [late[1].pk]),
        ("vendor-fault", "1320.00", [fault.pk]),
    ]
    assert data["deduction_total"] == "2200.00"
    assert not Assessment.objects.exists()  # a preview stores nothing
    text = StringIO()
    call_command("assess", "--contract", contract.code, "--period", "2026Q3", stdout=text)
    assert "扣款合计：2200.00 元" in text.getvalue()
    assert Decimal(data["deduction_total"]) == sum(Decimal(d["amount"]) for d in data["deductions"])


@pytest.mark.parametrize("period", ["2026Q9", "2026H2", "2030Q1"])
def test_assess_refuses_bad_periods_clearly(make_contract, period):
    contract, _desk, _admin = make_contract("drg-wuhan")
    with pytest.raises(CommandError):
        call_command("assess", "--contract", contract.code, "--period", period, "--assessment", "quarterly")


def test_assess_half_year_of_seed_002(make_contract):
    contract, _desk, _admin = make_contract("his-3y")
    out = StringIO()
    call_command("assess", "--contract", contract.code, "--period", "2026H1", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["assessment"], data["deductions"], data["deduction_total"]) == ("half-yearly", [], "0.00")
    with pytest.raises(CommandError):
        call_command("assess", "--contract", "NOPE", "--period", "2026H1")
