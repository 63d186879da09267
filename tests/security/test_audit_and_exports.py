"""Reproductions of the trust issue's defects in the audit log, the exports and the imports, as
they were found, each now refused (issue 12: defects 3, 6, 7 and parts of 10)."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from weibao.accounts.choices import Role
from weibao.audit import keys
from weibao.audit.models import AuditEvent
from weibao.audit.services import _canonical, compute_hash
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.servicedesk.ledger import SHEET
from weibao.servicedesk.models import Ticket
from weibao.testing.factories import (
    DepartmentFactory,
    HospitalFactory,
    PlatformOrgFactory,
    VendorFactory,
    member,
)

pytestmark = pytest.mark.django_db


def _contract(hospital, code="drg-wuhan"):
    return contract_create_from_template(
        actor=None,
        template=get_template(code),
        hospital=hospital,
        vendor=VendorFactory(),
        start=date(2026, 1, 1),
        amount=Decimal("100000"),
        code=f"T-{hospital.short_code}-{code}",
    )


def _ledger(*rows, header=("工单号", "服务项目序号", "标题", "报告时间", "来电人", "评价")) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _import(client, contract, data: bytes):
    upload = io.BytesIO(data)
    upload.name = "ledger.xlsx"
    return client.post("/api/v1/tickets/import", {"contract_id": contract.pk, "file": upload})


# --- defect 3: ticket numbers poisoned by an import ------------------------------------------------


def test_an_import_cannot_take_another_hospitals_next_numbers(client_for):
    a, b = HospitalFactory(), HospitalFactory()
    contract_a, contract_b = _contract(a), _contract(b)
    year = timezone.localdate().year
    next_of_a = [f"{a.short_code}-{year}-{n:05d}" for n in (1, 2, 3)]
    # Hospital B imports rows numbered with hospital A's next numbers.
    admin_b = client_for(member(b, Role.HOSPITAL_ADMIN))
    imported = _import(
        admin_b,
        contract_b,
        _ledger(*[(n, 10, f"历史 {n}", "2026-03-02 09:00:00", "", "") for n in next_of_a]),
    )
    assert imported.status_code == 200 and imported.json()["errors"] == []
    assert [t.original_number for t in Ticket.objects.filter(hospital=b).order_by("id")] == next_of_a
    assert not Ticket.objects.filter(number__in=next_of_a).exists()

    # Hospital A then creates tickets fine, numbered by its own sequence.
    reporter = client_for(member(a, Role.HOSPITAL_ADMIN))
    term = contract_a.terms.get(number=1)
    for expected in next_of_a:
        response = reporter.post(
            "/api/v1/tickets",
            json.dumps({"contract_id": contract_a.pk, "term_id": term.pk, "title": "新工单"}),
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
        assert response.json()["number"] == expected

    # The original number is shown and searchable.
    ticket = Ticket.objects.get(original_number=next_of_a[0])
    page = admin_b.get(f"/tickets/{ticket.pk}/").content.decode()
    assert next_of_a[0] in page and "原工单号" in page
    by_q = admin_b.get("/api/v1/tickets", {"q": next_of_a[1]}).json()["items"]
    assert [row["original_number"] for row in by_q] == [next_of_a[1]]
    by_filter = admin_b.get("/api/v1/tickets", {"original_number": next_of_a[2]}).json()["items"]
    assert [row["id"] for row in by_filter] == [Ticket.objects.get(original_number=next_of_a[2]).pk]
    assert next_of_a[1] in admin_b.get("/tickets/", {"q": next_of_a[1]}).content.decode()


def test_numbers_taken_before_the_fix_do_not_block_the_sequence(client_for):
    """An install poisoned before: hospital A's next number already held by B's ticket."""
    a, b = HospitalFactory(), HospitalFactory()
    contract_a, contract_b = _contract(a), _contract(b)
    year = timezone.localdate().year
    from weibao.servicedesk import services

    poisoned = services.ticket_create(
        actor=None, contract=contract_b, term=contract_b.terms.get(number=1), title="旧导入"
    )
    Ticket.objects.filter(pk=poisoned.pk).update(number=f"{a.short_code}-{year}-00001")
    reporter = client_for(member(a, Role.HOSPITAL_ADMIN))
    body = {"contract_id": contract_a.pk, "term_id": contract_a.terms.get(number=1).pk, "title": "x"}
    response = reporter.post("/api/v1/tickets", json.dumps(body), content_type="application/json")
    assert response.status_code == 201 and response.json()["number"] == f"{a.short_code}-{year}-00002"


# --- defect 6: the audit chain is unkeyed ------------------------------------------------------------


def _verify_fails(record_id: int) -> str:
    with pytest.raises(CommandError) as info:
        call_command("audit", "verify")
    assert info.value.returncode == 1
    message = str(info.value)
    assert f"record id={record_id}" in message, message
    return message


def _records(n: int) -> list[AuditEvent]:
    from weibao.audit.services import audit_record

    return [audit_record(action="test.write", username="u", detail={"i": i}) for i in range(n)]


def _update(record_id: int, **values) -> None:
    sets = ", ".join(f"{k} = %s" for k in values)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE audit_auditevent SET {sets} WHERE id = %s", [*values.values(), record_id])


def _head(prev_hash: str, hash_: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_chainhead SET prev_hash = %s, hash = %s", [prev_hash, hash_])


def test_verify_fails_after_a_row_is_edited():
    events = _records(4)
    call_command("audit", "verify")
    _update(events[1].pk, action="auth.login")
    assert str(events[1].pk) in _verify_fails(events[1].pk)


def test_verify_fails_after_the_last_row_is_deleted_and_the_head_updated():
    events = _records(4)
    call_command("audit", "verify")  # as any verify (or the daily job) does, anchors the head
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[-1].pk])
    _head(events[-2].prev_hash, events[-2].hash)
    assert "missing" in _verify_fails(events[-1].pk)


@pytest.mark.parametrize("forged_key_id", ["sha256", "own key"])
def test_verify_fails_after_a_row_is_edited_and_every_later_hash_recomputed_without_the_key(
    monkeypatch, forged_key_id
):
    events = _records(5)
    _update(events[1].pk, detail=json.dumps({"i": 99}))
    # The code's own function, run by someone who has the database but not the key: with the
    # pre-key scheme, or with a key of their own.
    if forged_key_id == "own key":
        monkeypatch.setenv("WEIBAO_AUDIT_KEYS", "forger-" + "k" * 40)
    keys.forget_keys()
    try:
        prev = events[0].hash
        for event in AuditEvent.objects.filter(id__gte=events[1].pk).order_by("id"):
            event.key_id = keys.LEGACY_KEY_ID if forged_key_id == "sha256" else keys.current_key().id
            event.prev_hash = prev
            new = compute_hash(prev, event)
            _update(event.pk, prev_hash=prev, hash=new, key_id=event.key_id)
            last_prev, prev = event.prev_hash, new
        _head(last_prev, prev)
    finally:
        monkeypatch.delenv("WEIBAO_AUDIT_KEYS", raising=False)
        keys.forget_keys()
    assert str(events[1].pk) in _verify_fails(events[1].pk)


def test_a_plain_sha256_over_the_content_no_longer_matches():
    (event,) = _records(1)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.hash != hashlib.sha256(stored.prev_hash.encode() + _canonical(stored)).hexdigest()


# --- defect 7: formula injection ----------------------------------------------------------------


def test_a_formula_title_from_the_qr_form_is_exported_as_text(client_for):
    hospital = HospitalFactory()
    contract = _contract(hospital)
    department = DepartmentFactory(hospital=hospital, name="放射科")
    reporter = client_for(member(hospital, Role.DEPARTMENT_USER, department=department))
    title = '=HYPERLINK("http://x","y")'
    response = reporter.post(f"/m/report/?c={contract.pk}&d={department.pk}", {"title": title})
    assert response.status_code == 302
    assert Ticket.objects.get().title == title  # kept as typed
    admin = client_for(member(hospital, Role.HOSPITAL_ADMIN))
    for url in ("/api/v1/tickets/export.xlsx", "/tickets/export.xlsx"):
        exported = admin.get(url)
        assert exported.status_code == 200
        ws = load_workbook(io.BytesIO(exported.content))[SHEET]
        header = [c.value for c in ws[1]]
        cell = ws.cell(row=2, column=header.index("标题") + 1)
        assert cell.value == "'" + title and cell.data_type == "s"


# --- defect 10, the parts of it here ---------------------------------------------------------------


def test_refusals_cannot_flood_the_audit_log(client_for):
    hospital = HospitalFactory()
    user = member(hospital, Role.DEPARTMENT_USER)
    client = client_for(user)
    codes = [client.get("/orgs/new/").status_code for _ in range(30)]
    holidays = json.dumps({"year": 2030, "days": []})
    codes += [client.post("/api/v1/holidays/import", holidays, content_type="application/json").status_code]
    assert set(codes) == {403}
    refusals = AuditEvent.objects.filter(action="permission.denied", actor=user)
    assert refusals.count() == 1
    cache.delete(f"audit:refusal:user:{user.pk}:permission.denied")  # a minute later
    assert client.get("/orgs/new/").status_code == 403
    assert refusals.count() == 2 and refusals.first().detail["suppressed"] == 30


def test_the_ledger_import_refuses_a_rating_of_99_and_over_long_callers(client_for):
    hospital = HospitalFactory()
    contract = _contract(hospital)
    admin = client_for(member(hospital, Role.HOSPITAL_ADMIN))
    response = _import(
        admin,
        contract,
        _ledger(
            ("", 10, "评价 99", "2026-03-02 09:00:00", "", 99),
            ("", 10, "来电人过长", "2026-03-02 09:00:00", "张" * 65, ""),
            ("", 10, "好的", "2026-03-02 09:00:00", "张三", ""),
        ),
    )
    body = response.json()
    assert response.status_code == 200 and len(body["created"]) == 1
    assert body["errors"][0].startswith("第 2 行") and "评价" in body["errors"][0]
    assert body["errors"][1].startswith("第 3 行") and "来电人" in body["errors"][1]
    assert not Ticket.objects.filter(rating=99).exists()


def test_a_2030_holiday_file_with_a_2031_date_is_refused(client_for):
    admin = client_for(member(PlatformOrgFactory(), Role.PLATFORM_ADMIN))
    payload = {
        "year": 2030,
        "days": [
            {"name": "元旦", "date": "2030-01-01", "isOffDay": True},
            {"name": "元旦", "date": "2031-01-01", "isOffDay": True},
        ],
    }
    response = admin.post("/api/v1/holidays/import", json.dumps(payload), content_type="application/json")
    assert response.status_code == 400 and "2031-01-01" in response.json()["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
        "https://127.0.0.1:8021\\@qyapi.weixin.qq.com/x",
    ],
)
def test_robot_urls_that_are_not_https_or_that_parsers_read_differently_are_refused(client_for, url):
    hospital = HospitalFactory()
    admin = client_for(member(hospital, Role.HOSPITAL_ADMIN))
    body = {
        "organization_id": hospital.pk,
        "kind": "wecom",
        "name": "群",
        "url": url,
        "events": ["sla.breached"],
    }
    response = admin.post("/api/v1/robots", json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content
    assert "url" in json.dumps(response.json(), ensure_ascii=False)
