"""Contracts created from the five seed templates carry every term; edits, CLI, API, encryption."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from weibao.accounts.choices import Role
from weibao.contracts.models import Contract, Endpoint, MaintainedSystem, ServiceTerm
from weibao.contracts.services import contract_create_from_template, term_update
from weibao.contracts.template_loader import get_template, list_templates
from weibao.testing.factories import AuditorOrgFactory, HospitalFactory, VendorFactory, member

pytestmark = pytest.mark.django_db

SEEDS = ["pacs-huizhou", "pacs-guangxi", "his-3y", "drg-wuhan", "regional-zhenhai"]


def make(code: str, hospital=None, vendor=None, **kw) -> Contract:
    return contract_create_from_template(
        actor=None,
        template=get_template(code),
        hospital=hospital or HospitalFactory(),
        vendor=vendor or VendorFactory(),
        start=kw.pop("start", date(2026, 1, 1)),
        amount=kw.pop("amount", Decimal("100000")),
        **kw,
    )


def compact(target: dict | None) -> str | None:
    if not target:
        return None
    head = target.get("within") or ("immediate" if target.get("immediate") else "appointment")
    return f"{head}@{target['calendar']}"


def term_table(contract: Contract) -> list[tuple]:
    return [
        (t.number, t.item, t.category, compact(t.response), compact(t.onsite), compact(t.resolution))
        for t in contract.terms.all()
    ]


def test_all_five_templates_are_shipped():
    assert [code for code, _ in list_templates()] == sorted(SEEDS)


@pytest.mark.parametrize("code", SEEDS)
def test_contract_carries_every_term_of_its_template(code):
    template = get_template(code)
    contract = make(code)
    expected = [
        (
            t.number,
            t.item,
            t.category.value,
            *(
                getattr(t, n).compact() if getattr(t, n) else None
                for n in ("response", "onsite", "resolution")
            ),
        )
        for t in template.service_terms
    ]
    # Template-declared calendars are created per hospital; map their codes back.
    prefix = contract.hospital.short_code.lower() + "-"
    actual = [
        tuple(v.replace(prefix, "") if isinstance(v, str) else v for v in row) for row in term_table(contract)
    ]
    assert actual == expected
    assert [s.code for s in contract.severities.all()] == [s.code for s in template.severities]
    assert contract.payment_milestones.count() == len(template.payment_milestones)
    assert sum(m.amount for m in contract.payment_milestones.all()) in (Decimal("0"), contract.amount)
    assert contract.deduction_rules.count() == sum(len(a.deductions) for a in template.assessments) + len(
        template.penalties
    )
    assert [i["name"] for i in contract.obligations["inspections"]] == [
        i.name for i in template.obligations.inspections
    ]
    assert [d["name"] for d in contract.obligations["deliverables"]] == [
        d.name for d in template.obligations.deliverables
    ]
    assert contract.systems.count() == len(template.inventory.systems)
    modules = sum(len(s.modules) for s in template.inventory.systems)
    assert sum(s.modules.count() for s in contract.systems.all()) == modules


def test_pacs_huizhou_seed_000():
    c = make("pacs-huizhou")
    rows = {t.number: t for t in c.terms.all()}
    assert len(rows) >= 12
    assert (rows[1].item, compact(rows[1].response)) == ("咨询服务", "1h@7x24")
    assert (rows[3].item, compact(rows[3].response)) == ("需求变更", "2h@7x24")
    assert compact(rows[2].resolution) == "24h@7x24" and compact(rows[2].escalate_onsite) == "4h@7x24"
    assert compact(rows[7].response) == "immediate@7x24"
    assert compact(rows[8].response) == "appointment@5x8"
    assert [m.percent for m in c.payment_milestones.all()] == [Decimal(50), Decimal(50)]
    assert c.obligations["inspections"][0]["cadence"] == {"kind": "every_n_months", "n": 6}
    names = {d["name"] for d in c.obligations["deliverables"]}
    assert {"季度维保服务记录单", "季度维保巡检报告"} <= names
    system = c.systems.get(kind="PACS")
    assert system.modules.count() == 15
    peers = set(system.interfaces.values_list("peer", flat=True))
    assert {"HIS", "全民健康信息平台"} <= peers and system.interfaces.count() == 5


def test_pacs_guangxi_seed_001():
    c = make("pacs-guangxi")
    groups = list(dict.fromkeys(c.terms.values_list("group", flat=True)))
    assert groups == ["功能应用维护", "数据维护", "其他服务"]
    hotline = c.terms.get(category="hotline")
    # "法定工作日" is when the hotline is staffed, not a deadline: a service window.
    assert hotline.response is None
    assert hotline.extra["service_window"] == {"calendar": "5x8", "text": "法定工作日"}
    assert {"qq", "wechat"} <= set(c.terms.get(number=1).channels)


def test_his_3y_seed_002():
    c = make("his-3y", amount=Decimal("2940000"), start=date(2025, 8, 1))
    assert c.end == date(2028, 7, 31)
    assert [m.amount for m in c.payment_milestones.all()] == [Decimal("490000.00")] * 6
    odd = make("his-3y", amount=Decimal("100000"))
    assert [m.amount for m in odd.payment_milestones.all()] == [Decimal("16666.67")] * 5 + [
        Decimal("16666.65")
    ]
    residency = c.obligations["residency"]
    assert residency["min_count"] == 2 and residency["leave_requires_approval"] is True
    assert c.obligations["inspections"][0]["cadence"]["kind"] == "monthly"
    assert compact(c.terms.get(number=1).response) == "30m@7x24"
    assert "bastion_host" in c.channels
    failed = c.deduction_rules.get(kind="failed_period")
    assert Decimal(failed.params["percent"]) == 100 and failed.params["terminates_contract"] is True


def test_drg_wuhan_seed_003():
    c = make("drg-wuhan", amount=Decimal("44000"))
    fatal, serious, minor = c.severities.all()
    assert (fatal.label[:2], compact(fatal.response), compact(fatal.resolution)) == (
        "致命",
        "1h@7x24",
        "2h@7x24",
    )
    assert compact(serious.response) == "2h@7x24" and compact(minor.response) == "4h@7x24"
    assert [m.percent for m in c.payment_milestones.all()] == [Decimal(30), Decimal(30), Decimal(40)]
    late = c.deduction_rules.get(kind="late_response")
    assert Decimal(late.params["percent"]) == 1 and late.params["threshold"] == "1h"
    fault = c.deduction_rules.get(kind="vendor_fault")
    assert {k: Decimal(v) for k, v in fault.params["by_severity"].items()} == {
        "fatal": 5,
        "serious": 3,
        "minor": 1,
    }
    grading = next(a for a in c.assessments if a.get("grading"))["grading"]
    assert [(g["label"], g["min_percent"]) for g in grading["grades"]] == [
        ("优秀", "100"),
        ("良好", "90"),
        ("合格", "80"),
        ("不合格", "0"),
    ]


def test_regional_zhenhai_seed_004():
    c = make("regional-zhenhai")
    level1, level2 = c.severities.all()
    assert compact(level1.onsite) == "2h@7x24" and compact(level1.resolution) == "24h@7x24"
    assert compact(level2.response) == "2h@7x8"
    assert c.obligations["inspections"][0]["cadence"] == {"kind": "times_per_year", "n": 4}
    assert c.obligations["service_report"]["signed_by"]
    assert c.systems.count() == 14


def test_editing_a_target_is_validated_and_audited(hospital):
    from weibao.audit.models import AuditEvent

    admin = member(hospital, Role.HOSPITAL_ADMIN)
    c = make("drg-wuhan", hospital=hospital)
    term = c.terms.get(number=1)
    term_update(actor=admin, term=term, response={"within": "6h", "calendar": "5x8"})
    term.refresh_from_db()
    assert term.response == {"within": "6h", "calendar": "5x8"}
    assert AuditEvent.objects.filter(action="service_term.update", object_id=str(term.pk)).exists()
    from django.core.exceptions import ValidationError

    for bad in (
        {"within": "6 hours", "calendar": "5x8"},
        {"within": "6h", "calendar": "nope"},
        {"within": "6h", "immediate": True, "calendar": "7x24"},
    ):
        with pytest.raises(ValidationError):
            term_update(actor=admin, term=term, response=bad)
    term.refresh_from_db()
    assert term.response == {"within": "6h", "calendar": "5x8"}


def test_cli(hospital, vendor):
    out = StringIO()
    call_command("contracts", "templates", stdout=out)
    assert out.getvalue().count("\n") == 5 and "drg-wuhan" in out.getvalue()
    out = StringIO()
    call_command("contracts", "template", "show", "drg-wuhan", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["code"] == "drg-wuhan" and data["severities"][0]["response"] == {
        "within": "1h",
        "calendar": "7x24",
        "immediate": False,
        "workday_appointment": False,
        "text": "1个小时",
        "met_by": None,
    }
    out = StringIO()
    call_command(
        "contracts",
        "new",
        "--template",
        "regional-zhenhai",
        "--hospital",
        hospital.short_code,
        "--vendor",
        vendor.short_code,
        "--start",
        "2026-01-01",
        "--end",
        "2026-12-31",
        "--amount",
        "695000",
        stdout=out,
    )
    assert "created" in out.getvalue()
    contract = Contract.objects.get(hospital=hospital)
    assert contract.amount == Decimal("695000") and contract.end == date(2026, 12, 31)
    with pytest.raises(CommandError) as info:
        call_command(
            "contracts",
            "new",
            "--template",
            "drg-wuhan",
            "--hospital",
            "NOPE",
            "--vendor",
            vendor.short_code,
            "--start",
            "2026-01-01",
        )
    assert info.value.returncode == 2


def test_a_malformed_template_names_the_key_and_creates_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    source = get_template("drg-wuhan").model_dump_json()
    data = json.loads(source)
    data["service_terms"][0]["response"] = {"within": "12 hours", "calendar": "7x24"}
    import yaml

    bad.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(CommandError) as info:
        call_command("contracts", "template", "check", str(bad))
    assert "service_terms[0].response.within" in str(info.value)
    assert Contract.objects.count() == 0


# --- API --------------------------------------------------------------------------------------


def post(client, path, payload):
    return client.post(path, json.dumps(payload), content_type="application/json")


def patch(client, path, payload):
    return client.patch(path, json.dumps(payload), content_type="application/json")


def test_api_from_template_and_edit(client_for, hospital, vendor):
    c = client_for(member(hospital, Role.HOSPITAL_ADMIN))
    created = post(
        c,
        "/api/v1/contracts/from-template",
        {
            "template": "drg-wuhan",
            "hospital_id": hospital.pk,
            "vendor_id": vendor.pk,
            "start": "2026-01-01",
            "amount": "44000",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    terms = c.get(f"/api/v1/contracts/{body['id']}/terms").json()["items"]
    assert len(terms) == 10 and terms[0]["response"] == {"within": "12h", "calendar": "7x24"}
    edited = patch(c, f"/api/v1/terms/{terms[0]['id']}", {"response": {"within": "8h", "calendar": "7x24"}})
    assert edited.status_code == 200 and edited.json()["response"]["within"] == "8h"
    bad = patch(c, f"/api/v1/terms/{terms[0]['id']}", {"response": {"within": "8 hours", "calendar": "7x24"}})
    assert bad.status_code == 400 and "response" in bad.json()["detail"]
    assert (
        post(
            c,
            "/api/v1/contracts/from-template",
            {"template": "nope", "hospital_id": hospital.pk, "vendor_id": vendor.pk, "start": "2026-01-01"},
        ).status_code
        == 404
    )
    wrong_party = post(
        c,
        "/api/v1/contracts/from-template",
        {
            "template": "drg-wuhan",
            "hospital_id": hospital.pk,
            "vendor_id": hospital.pk,
            "start": "2026-01-01",
        },
    )
    assert wrong_party.status_code == 404 and "厂商" in wrong_party.json()["detail"]
    # Editing a term moved the contract's version on: the version read at creation is stale now.
    current = c.get(f"/api/v1/contracts/{body['id']}").json()["version"]
    assert current == body["version"] + 1
    stale = patch(c, f"/api/v1/contracts/{body['id']}", {"title": "新名称", "version": body["version"]})
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    fresh = patch(c, f"/api/v1/contracts/{body['id']}", {"title": "新名称", "version": current})
    assert fresh.status_code == 200 and fresh.json()["version"] == current + 1
    assert len(c.get(f"/api/v1/contracts/{body['id']}/severities").json()["items"]) == 3
    assert len(c.get(f"/api/v1/contracts/{body['id']}/payment-milestones").json()["items"]) == 3
    assert c.get("/api/v1/contract-templates").json()[0]["code"] == "drg-wuhan"


def test_api_creates_and_deletes_a_draft_contract_through_the_services(client_for, hospital, vendor):
    from weibao.audit.models import AuditEvent

    admin = client_for(member(hospital, Role.HOSPITAL_ADMIN))
    body = {
        "code": "C-DRAFT",
        "title": "草稿合同",
        "hospital_id": hospital.pk,
        "vendor_id": vendor.pk,
        "start": "2026-01-01",
        "end": "2026-12-31",
        "amount": "1000",
    }
    created = post(admin, "/api/v1/contracts", body)
    assert created.status_code == 201 and created.json()["status"] == "draft", created.content
    contract = Contract.objects.get(code="C-DRAFT")
    assert AuditEvent.objects.filter(action="contract.create", object_id=str(contract.pk)).exists()
    again = post(admin, "/api/v1/contracts", body)
    assert again.status_code == 400 and "code" in again.json()["detail"]
    backwards = post(admin, "/api/v1/contracts", {**body, "code": "C-X", "end": "2025-12-31"})
    assert backwards.status_code == 400 and "end" in backwards.json()["detail"]
    # Only the hospital's admins write its contracts.
    engineer = client_for(member(vendor, Role.VENDOR_ENGINEER))
    refused = post(engineer, "/api/v1/contracts", {**body, "code": "C-V"})
    assert refused.status_code == 403 and not Contract.objects.filter(code="C-V").exists()

    active = make("drg-wuhan", hospital=hospital, vendor=vendor)
    kept = admin.delete(f"/api/v1/contracts/{active.pk}")
    assert kept.status_code == 400 and kept.json()["code"] == "invalid"
    assert Contract.objects.filter(pk=active.pk).exists()
    assert admin.delete(f"/api/v1/contracts/{contract.pk}").status_code == 204
    assert not Contract.objects.filter(pk=contract.pk).exists()
    assert AuditEvent.objects.filter(action="contract.delete", object_id=str(contract.pk)).exists()


def test_endpoint_credential_is_encrypted_and_never_returned(client_for, hospital):
    c = client_for(member(hospital, Role.HOSPITAL_ADMIN))
    system = MaintainedSystem.objects.create(hospital=hospital, code="pacs", name="PACS", kind="PACS")
    created = post(
        c,
        f"/api/v1/systems/{system.pk}/endpoints",
        {
            "name": "PACS 数据库",
            "kind": "database",
            "host": "10.0.0.5",
            "port": 1521,
            "username": "pacs",
            "credential": "S3cret-Passw0rd!",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert "S3cret-Passw0rd!" not in created.content.decode() and body["has_credential"] is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT credential_encrypted FROM contracts_endpoint WHERE id = %s", [body["id"]])
        (raw,) = cursor.fetchone()
    assert raw and "S3cret" not in raw and raw.startswith("gAAAA")
    assert Endpoint.objects.get(pk=body["id"]).get_credential() == "S3cret-Passw0rd!"
    for url in (f"/api/v1/endpoints/{body['id']}", f"/api/v1/systems/{system.pk}/endpoints"):
        assert "S3cret" not in c.get(url).content.decode()
    bad_port = post(c, f"/api/v1/systems/{system.pk}/endpoints", {"name": "x", "kind": "tcp", "port": 70000})
    assert bad_port.status_code == 422


def test_visibility_of_contracts(client_for):
    hospital_a, hospital_b = HospitalFactory(), HospitalFactory()
    vendor_a, vendor_b = VendorFactory(), VendorFactory()
    ca = make("drg-wuhan", hospital=hospital_a, vendor=vendor_a)
    cb = make("pacs-huizhou", hospital=hospital_a, vendor=vendor_b)
    cc = make("regional-zhenhai", hospital=hospital_b, vendor=vendor_a)
    engineer = member(vendor_a, Role.VENDOR_ENGINEER)
    ids = {x["id"] for x in client_for(engineer).get("/api/v1/contracts").json()["items"]}
    assert ids == {ca.pk, cc.pk}
    assert client_for(engineer).get(f"/api/v1/contracts/{cb.pk}").status_code == 404
    system_ids = {s["id"] for s in client_for(engineer).get("/api/v1/systems").json()["items"]}
    assert cb.systems.first().pk not in system_ids and ca.systems.first().pk in system_ids
    admin_a = member(hospital_a, Role.HOSPITAL_ADMIN)
    assert {x["id"] for x in client_for(admin_a).get("/api/v1/contracts").json()["items"]} == {ca.pk, cb.pk}
    auditor = member(AuditorOrgFactory(), Role.AUDITOR)
    assert client_for(auditor).get("/api/v1/contracts").json()["items"] == []
    from weibao.contracts.services import contract_grant

    contract_grant(actor=admin_a, contract=cb, user=auditor)
    assert [x["id"] for x in client_for(auditor).get("/api/v1/contracts").json()["items"]] == [cb.pk]
    # An engineer cannot edit terms.
    term = ServiceTerm.objects.filter(contract=ca).first()
    assert patch(client_for(engineer), f"/api/v1/terms/{term.pk}", {"item": "x"}).status_code == 403


def test_contract_pages(client_for, hospital, vendor):
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    c = client_for(admin)
    response = c.post(
        "/contracts/new/",
        {
            "template": "drg-wuhan",
            "hospital": hospital.pk,
            "vendor": vendor.pk,
            "start": "2026-01-01",
            "amount": "44000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    contract = Contract.objects.get(hospital=hospital)
    page = c.get(f"/contracts/{contract.pk}/").content.decode()
    for header in ("序号", "服务项目", "服务内容", "服务方式", "响应时间"):
        assert header in page
    assert "12小时内（7x24）" in page and "致命错误" in page
    preview = c.get("/contracts/new/preview/?template=regional-zhenhai").content.decode()
    assert "常规电话支持服务" in preview
    assert contract.code in c.get("/contracts/").content.decode()
    bad = c.post(
        "/contracts/new/",
        {
            "template": "drg-wuhan",
            "hospital": hospital.pk,
            "vendor": vendor.pk,
            "start": "2026-01-01",
            "end": "2025-01-01",
        },
    )
    assert "结束日期不能早于开始日期" in bad.content.decode()


@pytest.mark.django_db(transaction=True)
def test_terms_added_at_once_take_distinct_numbers():
    """Two admins adding a term to one contract at the same moment get two numbers, not a
    database error (the next number was read outside any lock)."""
    import threading

    from weibao.contracts.services import term_create

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises them)")
    hospital = HospitalFactory()
    contract = make("pacs-huizhou", hospital=hospital)
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    before = set(contract.terms.values_list("number", flat=True))
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def add(i: int) -> None:
        try:
            barrier.wait()
            term_create(
                actor=admin, contract=contract, category="qa", item=f"并发 {i}", content="软件功能的应用咨询"
            )
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=add, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    added = set(contract.terms.values_list("number", flat=True)) - before
    assert len(added) == 4 and max(added) == max(before) + 4
