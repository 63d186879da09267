"""The plan of a contract's inspections: generated at creation, kept in step with its dates,
due dates on statutory workdays; the overdue selector and the CLI."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from weibao.contracts import services as contract_services
from weibao.contracts.template_loader import get_template
from weibao.inspections.choices import InspectionState
from weibao.inspections.models import Inspection
from weibao.inspections.selectors import inspections_due, inspections_overdue

pytestmark = pytest.mark.django_db
D = date


def _contract(hospital, vendor, template: str, start: date, code: str):
    return contract_services.contract_create_from_template(
        actor=None,
        template=get_template(template),
        hospital=hospital,
        vendor=vendor,
        start=start,
        amount=Decimal("100000"),
        code=code,
    )


def _dues(contract, obligation=None):
    rows = Inspection.objects.filter(contract=contract).order_by("due")
    if obligation:
        rows = rows.filter(obligation=obligation)
    return [i.due for i in rows]


def test_his_3y_monthly_by_the_10th_moved_to_the_previous_workday(hospital, vendor):
    contract = _contract(hospital, vendor, "his-3y", D(2026, 1, 1), "HIS-2026")
    dues = _dues(contract, "monthly")
    assert len(dues) == 36  # 12 a year for three years
    assert dues[:12] == [
        D(2026, 1, 9),  # the 10th is a Saturday
        D(2026, 2, 10),
        D(2026, 3, 10),
        D(2026, 4, 10),
        D(2026, 5, 9),  # Sunday the 10th → Saturday the 9th, a 劳动节 make-up workday
        D(2026, 6, 10),
        D(2026, 7, 10),
        D(2026, 8, 10),
        D(2026, 9, 10),
        D(2026, 10, 10),  # a 国庆节 make-up Saturday: a workday, so it stays
        D(2026, 11, 10),
        D(2026, 12, 10),
    ]
    first = Inspection.objects.get(contract=contract, obligation="monthly", sequence=1)
    assert (first.name, first.mode, first.state, first.hospital_id) == (
        "月度巡检",
        "onsite",
        "planned",
        hospital.pk,
    )


@pytest.mark.parametrize(
    "template, start, obligation, expected",
    [
        ("his-3y", D(2026, 1, 1), "monthly", None),  # written out above
        # 2 a year, half-year slots from 8 April: 7 October is in the National Day holiday,
        # back through the holiday and the weekend to Wednesday 30 September
        ("drg-wuhan", D(2026, 4, 8), "twice-yearly", [D(2026, 9, 30), D(2027, 4, 7)]),
        ("pacs-guangxi", D(2026, 1, 1), "semiannual-onsite", [D(2026, 6, 30), D(2026, 12, 31)]),
        # every 6 months from 7 March: Sunday 6 September → Friday the 4th; Saturday 6 March 2027 → the 5th
        ("pacs-huizhou", D(2026, 3, 7), "semiannual-onsite", [D(2026, 9, 4), D(2027, 3, 5)]),
        # 4 a year from 5 February: Monday 4 May is 劳动节, so back over the weekend and 1 May to 30 April
        (
            "regional-zhenhai",
            D(2026, 2, 5),
            "four-a-year",
            [D(2026, 4, 30), D(2026, 8, 4), D(2026, 11, 4), D(2027, 2, 4)],
        ),
    ],
)
def test_one_year_of_each_seed_template(hospital, vendor, template, start, obligation, expected):
    contract = _contract(hospital, vendor, template, start, f"T-{template}")
    dues = _dues(contract, obligation)
    if expected is not None:
        assert dues == expected
    assert Inspection.objects.filter(contract=contract).exclude(obligation=obligation).count() == 0
    sequences = list(
        Inspection.objects.filter(contract=contract).order_by("due").values_list("sequence", flat=True)
    )
    assert sequences == list(range(1, len(dues) + 1))


def test_changing_the_dates_moves_planned_inspections_and_keeps_done_ones(hospital, vendor, hospital_admin):
    contract = _contract(hospital, vendor, "pacs-guangxi", D(2026, 1, 1), "PACS-2026")
    done = Inspection.objects.get(contract=contract, sequence=1)
    Inspection.objects.filter(pk=done.pk).update(state=InspectionState.DONE, done_at=timezone.now())

    # Starting three months later: the done one stays where it was, the planned one moves.
    contract_services.contract_update(
        actor=hospital_admin, contract=contract, start=D(2026, 4, 1), end=D(2027, 3, 31)
    )
    rows = {i.sequence: (i.due, i.state) for i in Inspection.objects.filter(contract=contract)}
    assert rows == {1: (D(2026, 6, 30), "done"), 2: (D(2027, 3, 31), "planned")}

    # Shortened to five months: only the first slot is left; the done one is still kept.
    contract_services.contract_update(actor=hospital_admin, contract=contract, end=D(2026, 8, 31))
    rows = {i.sequence: (i.due, i.state) for i in Inspection.objects.filter(contract=contract)}
    assert rows == {1: (D(2026, 6, 30), "done")}

    # Shortened further, the planned one of a fresh plan is removed; lengthened, it comes back.
    Inspection.objects.filter(pk=done.pk).update(state=InspectionState.PLANNED, done_at=None)
    contract_services.contract_update(actor=hospital_admin, contract=contract, end=D(2026, 5, 31))
    assert _dues(contract) == [D(2026, 5, 29)]  # Sunday the 31st → Friday the 29th
    contract_services.contract_update(actor=hospital_admin, contract=contract, end=D(2027, 3, 31))
    assert _dues(contract) == [D(2026, 9, 30), D(2027, 3, 31)]


def test_overdue_is_planned_and_past_its_due_date(hospital, vendor):
    contract = _contract(hospital, vendor, "regional-zhenhai", D(2026, 2, 5), "ZH-2026")
    first = Inspection.objects.get(contract=contract, sequence=1)  # due 2026-04-30
    year = (D(2026, 1, 1), D(2026, 12, 31))
    assert list(inspections_overdue(contract, *year, today=D(2026, 4, 30))) == []
    assert [i.pk for i in inspections_overdue(contract, *year, today=D(2026, 5, 1))] == [first.pk]
    assert inspections_overdue(contract, *year, today=D(2026, 12, 1)).count() == 3
    Inspection.objects.filter(pk=first.pk).update(state=InspectionState.DONE)
    assert inspections_overdue(contract, *year, today=D(2026, 12, 1)).count() == 2
    statuses = [i.status for i in inspections_due(contract, *year, today=D(2026, 9, 1))]
    assert statuses == ["done", "overdue", "planned"]


def test_cli_lists_the_inspections_due_in_a_range(hospital, vendor, capsys):
    _contract(hospital, vendor, "his-3y", D(2026, 1, 1), "HIS-CLI")
    call_command(
        "inspections", "due", "--contract", "HIS-CLI", "--from", "2026-09-01", "--to", "2026-11-30", "--json"
    )
    items = json.loads(capsys.readouterr().out)
    assert [(i["due"], i["obligation"]) for i in items] == [
        ("2026-09-10", "monthly"),
        ("2026-10-10", "monthly"),
        ("2026-11-10", "monthly"),
    ]
    assert {i["state"] for i in items} <= {"planned", "overdue"}

    call_command("inspections", "due", "--contract", "HIS-CLI", "--from", "2026-10-01", "--to", "2026-10-31")
    out = capsys.readouterr().out
    assert "2026-10-10" in out and "月度巡检" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--contract", "NOPE", "--from", "2026-01-01", "--to", "2026-02-01"], "no contract 'NOPE'"),
        (["--contract", "HIS-CLI", "--from", "2026-13-01", "--to", "2026-02-01"], "malformed --from"),
        (["--contract", "HIS-CLI", "--from", "2026-03-01", "--to", "2026-02-01"], "before --from"),
    ],
)
def test_cli_errors(hospital, vendor, args, message):
    _contract(hospital, vendor, "his-3y", D(2026, 1, 1), "HIS-CLI")
    with pytest.raises(CommandError, match=message) as caught:
        call_command("inspections", "due", *args)
    assert caught.value.returncode == 2
