"""The checklists as data: every shipped one is valid, each seed contract gets its checklist with
its modules, the loader refuses what breaks the rules, and numbers read against thresholds."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from weibao.contracts.models import MaintainedSystem, Module
from weibao.contracts.template_loader import get_template, list_templates
from weibao.inspections import checklist as c

D = Decimal


def test_every_shipped_checklist_loads_and_covers_its_areas():
    found = c.load()
    assert set(found) == {"server", "database", "pacs", "his", "drg", "regional"}
    areas = {code: {i.area for i in cl.items} for code, cl in found.items()}
    common = {"server", "certificates", "time", "security", "environment"}
    assert all(common <= a for a in areas.values())
    assert "database" in areas["database"] and "database" not in areas["server"]
    assert {"archive", "dicom", "interfaces"} <= areas["pacs"]
    for cl in found.values():
        ranks = [c.AREA_RANK[i.area] for i in cl.items]
        assert ranks == sorted(ranks), cl.code
        assert all(i.probe in c.PROBES for i in cl.items if i.probe)
    temperature = next(i for i in found["server"].items if i.code == "room_temperature")
    assert (temperature.unit, temperature.warn_below, temperature.warn_above) == ("℃", D(18), D(28))
    every_kind = {i.kind for cl in found.values() for i in cl.items}
    assert every_kind == set(c.KINDS)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (D("17.9"), c.WARN),
        (D(18), c.OK),
        (D(28), c.OK),
        (D("28.1"), c.WARN),
        (D(33), c.CRIT),
        (14, c.CRIT),
    ],
)
def test_a_number_reads_against_its_thresholds(value, expected):
    limits = {"warn_below": D(18), "warn_above": D(28), "crit_below": D(15), "crit_above": D(32)}
    assert c.level(value, **limits) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("code: x\nname: X\nareas:\n  nowhere: []", "unknown area"),
        ("code: x\nname: X\nareas:\n  server:\n    - {code: a, label: A, kind: dial}", "kind 'dial'"),
        ("code: x\nname: X\nareas:\n  server:\n    - {code: a, label: A, kind: number}", "needs a unit"),
        (
            "code: x\nname: X\nareas:\n  server:\n    - {code: a, label: A, kind: number, unit: '%', warn_above: 90, crit_above: 80}",
            "crit_above is below",
        ),
        (
            "code: x\nname: X\nareas:\n  server:\n    - {code: a, label: A, kind: pass_fail, probe: ping}",
            "unknown probe",
        ),
        (
            "code: x\nname: X\nareas:\n  server:\n    - {code: a, label: A, kind: pass_fail, unit: s}",
            "only a number",
        ),
        ("code: x\nname: X\nincludes: [nothing]\nareas: {}", "unknown checklist"),
        (
            "code: x\nname: X\nareas:\n  server:\n    - {code: a, label: A, kind: text}\n    - {code: a, label: B, kind: text}",
            "appears twice",
        ),
    ],
)
def test_the_loader_refuses_a_broken_checklist(tmp_path: Path, text, problem):
    (tmp_path / "x.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(c.ChecklistError, match=problem):
        c.load(tmp_path)


def test_a_circular_include_is_refused(tmp_path: Path):
    (tmp_path / "a.yaml").write_text("code: a\nname: A\nincludes: [b]\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("code: b\nname: B\nincludes: [a]\n", encoding="utf-8")
    with pytest.raises(c.ChecklistError, match="circular"):
        c.load(tmp_path)


def test_probe_readings_match_kind_and_metric_and_convert_units():
    backup = {"probe_kind": "backup", "metric": "age", "value": 7200.0}
    assert c.probe_reading("backup_age_hours", backup) == (True, 2.0)
    assert c.probe_reading("tls_days_left", backup) == (False, None)
    assert c.probe_reading("dicom_echo", {"probe_kind": "dicom-echo", "metric": "time", "value": 0.01}) == (
        True,
        None,
    )
    assert c.probe_reading("sql_value", {"probe_kind": "sql", "metric": "time", "value": 1}) == (False, None)


@pytest.mark.django_db
@pytest.mark.parametrize("code", [code for code, _name in list_templates()])
def test_each_seed_contract_gets_a_checklist_with_its_modules(code, hospital, vendor):
    from datetime import date

    from weibao.contracts.services import contract_create_from_template
    from weibao.inspections.doing import items_for
    from weibao.inspections.models import Inspection

    template = get_template(code)
    contract = contract_create_from_template(
        actor=None,
        template=template,
        hospital=hospital,
        vendor=vendor,
        start=date(2026, 1, 1),
        code=code,
        amount=Decimal("100000"),
    )
    inspection = Inspection.objects.filter(contract=contract).first()
    items = items_for(inspection)
    codes = [i.code for i in items]
    assert len(codes) == len(set(codes)) and [i.position for i in items] == list(range(1, len(items) + 1))
    ranks = [c.AREA_RANK[i.area] for i in items]
    assert ranks == sorted(ranks)
    modules = list(Module.objects.filter(system__contract=contract))
    assert {i.label for i in items if i.area == "modules"} == {m.name for m in modules}
    kinds = {s.kind for s in MaintainedSystem.objects.filter(contract=contract)}
    for kind in kinds:
        wanted = c.checklist_for(kind)
        assert any(i.code.startswith(f"{wanted.code}/") for i in items), kind
    obligation = next(o for o in contract.obligations["inspections"] if o["code"] == inspection.obligation)
    assert [i.label for i in items if i.area == "obligation"] == list(obligation.get("checklist") or [])
    assert sum(1 for i in items if i.code == "room_temperature") == 1
