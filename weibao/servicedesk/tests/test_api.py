"""The service desk API: create, list with keyset pages, detail with timeline and clocks,
transitions with optimistic locking, attachments, records, errors."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from weibao.servicedesk.models import DataChange, Ticket

pytestmark = pytest.mark.django_db


def post(client, path, payload):
    return client.post(path, json.dumps(payload), content_type="application/json")


def test_ticket_lifecycle_through_the_api(client_for, seed, people):
    contract = seed("drg-wuhan")
    doctor, engineer = client_for(people["doctor"]), client_for(people["engineer"])
    term = contract.terms.get(number=10)
    created = post(
        doctor,
        "/api/v1/tickets",
        {
            "contract_id": contract.pk,
            "term_id": term.pk,
            "title": "DRG 分组器报错",
            "description": "提示 500",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (
        body["number"].endswith("-00001")
        and body["state"] == "new"
        and body["reporter_id"] == people["doctor"].pk
    )
    assert {c["kind"] for c in body["clocks"]} == {"response", "onsite"}
    assert body["department_id"] == people["radiology"].pk
    tid = body["id"]
    denied = post(doctor, f"/api/v1/tickets/{tid}/transitions", {"action": "respond"})
    assert denied.status_code == 403 and denied.json()["code"] == "forbidden"
    ok = post(
        engineer, f"/api/v1/tickets/{tid}/transitions", {"action": "respond", "version": body["version"]}
    )
    assert ok.status_code == 200 and ok.json()["state"] == "responded"
    stale = post(
        engineer, f"/api/v1/tickets/{tid}/transitions", {"action": "start", "version": body["version"]}
    )
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    illegal = post(engineer, f"/api/v1/tickets/{tid}/transitions", {"action": "arrive"})
    assert illegal.status_code == 400 and "不能执行" in json.dumps(illegal.json(), ensure_ascii=False)
    missing = post(engineer, f"/api/v1/tickets/{tid}/transitions", {"action": "resolve"})
    assert missing.status_code == 400 and set(missing.json()["detail"]) == {"solution", "root_cause"}
    bad_action = post(engineer, f"/api/v1/tickets/{tid}/transitions", {"action": "explode"})
    assert bad_action.status_code == 422
    post(engineer, f"/api/v1/tickets/{tid}/comments", {"body": "内部：疑似内存泄漏", "internal": True})
    post(engineer, f"/api/v1/tickets/{tid}/comments", {"body": "正在处理"})
    resolved = post(
        engineer,
        f"/api/v1/tickets/{tid}/transitions",
        {"action": "resolve", "solution": "重启服务", "root_cause": "内存泄漏"},
    )
    assert resolved.json()["state"] == "resolved"
    detail = doctor.get(f"/api/v1/tickets/{tid}").json()
    bodies = [e["body"] for e in detail["timeline"]]
    assert "正在处理" in bodies and "内部：疑似内存泄漏" not in bodies
    assert detail["available_actions"] == ["confirm", "reopen"]
    assert "内部：疑似内存泄漏" in [
        e["body"] for e in engineer.get(f"/api/v1/tickets/{tid}").json()["timeline"]
    ]
    confirmed = post(doctor, f"/api/v1/tickets/{tid}/transitions", {"action": "confirm", "rating": 5})
    assert confirmed.json()["state"] == "closed" and confirmed.json()["rating"] == 5
    assert (
        post(doctor, f"/api/v1/tickets/{tid}/transitions", {"action": "confirm", "rating": 9}).status_code
        == 422
    )


def test_list_filters_and_keyset_pages(client_for, seed, people):
    from weibao.servicedesk import services

    contract = seed("drg-wuhan")
    for i in range(7):
        services.ticket_create(
            actor=people["admin"], contract=contract, term=contract.terms.get(number=1), title=f"问题 {i}"
        )
    c = client_for(people["admin"])
    page = c.get("/api/v1/tickets?limit=3").json()
    assert len(page["items"]) == 3 and page["next_cursor"]
    seen = [t["id"] for t in page["items"]]
    while page["next_cursor"]:
        page = c.get(f"/api/v1/tickets?limit=3&cursor={page['next_cursor']}").json()
        seen += [t["id"] for t in page["items"]]
    assert len(seen) == len(set(seen)) == 7
    risk = c.get("/api/v1/tickets?sort=risk&limit=50").json()["items"]
    dues = [t["next_due_at"] for t in risk]
    assert dues == sorted(dues) and len(risk) == 7
    # The risk order lists open tickets only (it selects them by their next deadline).
    cancelled = services.ticket_transition(
        actor=people["admin"], ticket=Ticket.objects.get(pk=risk[0]["id"]), action="cancel", reason="重复"
    )
    assert cancelled.next_due_at is None
    for query in ("sort=risk", "sort=risk&open=true"):
        ids = [t["id"] for t in c.get(f"/api/v1/tickets?{query}&limit=50").json()["items"]]
        assert len(ids) == 6 and cancelled.pk not in ids
    assert c.get("/api/v1/tickets?sort=risk&open=false").json()["items"] == []
    assert len(c.get("/api/v1/tickets?q=问题 3").json()["items"]) == 1
    assert c.get("/api/v1/tickets?limit=0").status_code == 422
    assert c.get("/api/v1/tickets?created_from=not-a-date").status_code == 422
    assert c.get("/api/v1/tickets?cursor=garbage").json()["code"] == "bad_cursor"


def test_list_and_detail_answer_exactly_what_their_schemas_declare(client_for, seed, people):
    """List and detail are rendered from values() rows without a second validation: the JSON must
    still be what the OpenAPI schema promises, field for field."""
    from weibao.servicedesk import services
    from weibao.servicedesk.api.schemas import TicketDetailOut, TicketPage

    contract = seed("drg-wuhan")
    ticket = services.ticket_create(
        actor=people["admin"], contract=contract, term=contract.terms.get(number=10), title="字段"
    )
    c = client_for(people["admin"])
    for path, schema in (
        ("/api/v1/tickets?sort=risk", TicketPage),
        ("/api/v1/tickets", TicketPage),
        (f"/api/v1/tickets/{ticket.pk}", TicketDetailOut),
    ):
        raw = c.get(path)
        assert raw.status_code == 200 and raw["Content-Type"] == "application/json"
        body = raw.json()
        again = json.loads(schema.model_validate(body).model_dump_json())
        assert again == body, path
    assert body["clocks"] and body["timeline"][0]["kind"] == "created"
    from weibao.servicedesk.api.schemas import TicketOut

    created = post(
        c, "/api/v1/tickets", {"contract_id": contract.pk, "term_id": ticket.term_id, "title": "新建"}
    )
    assert created.status_code == 201
    assert json.loads(TicketOut.model_validate(created.json()).model_dump_json()) == created.json()


def test_department_users_see_their_department_only(client_for, seed, people, hospital):
    from weibao.servicedesk import services
    from weibao.testing.factories import DepartmentFactory, member

    contract = seed("drg-wuhan")
    other = member(
        hospital, "department_user", department=DepartmentFactory(hospital=hospital, name="超声科")
    )
    mine = services.ticket_create(
        actor=people["doctor"], contract=contract, term=contract.terms.first(), title="放射"
    )
    theirs = services.ticket_create(actor=other, contract=contract, term=contract.terms.first(), title="超声")
    ids = {t["id"] for t in client_for(people["doctor"]).get("/api/v1/tickets").json()["items"]}
    assert ids == {mine.pk}
    assert client_for(people["doctor"]).get(f"/api/v1/tickets/{theirs.pk}").status_code == 404
    assert {t["id"] for t in client_for(people["admin"]).get("/api/v1/tickets").json()["items"]} == {
        mine.pk,
        theirs.pk,
    }


def test_attachments_have_size_and_type_limits(client_for, seed, people):
    from weibao.servicedesk import services

    contract = seed("drg-wuhan")
    t = services.ticket_create(
        actor=people["doctor"], contract=contract, term=contract.terms.first(), title="截图"
    )
    c = client_for(people["doctor"])
    png = SimpleUploadedFile("screen.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, content_type="image/png")
    ok = c.post(f"/api/v1/tickets/{t.pk}/attachments", {"file": png})
    assert ok.status_code == 201 and ok.json()["name"] == "screen.png"
    exe = SimpleUploadedFile("tool.exe", b"MZ" + b"0" * 10, content_type="application/x-msdownload")
    bad = c.post(f"/api/v1/tickets/{t.pk}/attachments", {"file": exe})
    assert bad.status_code == 400 and "file" in bad.json()["detail"]
    big = SimpleUploadedFile("huge.log", b"0" * (10 * 1024 * 1024 + 1), content_type="text/plain")
    assert c.post(f"/api/v1/tickets/{t.pk}/attachments", {"file": big}).status_code == 400
    assert t.attachments.count() == 1


def test_export_is_a_real_xlsx_with_chinese_headers(client_for, seed, people):
    import io

    from openpyxl import load_workbook

    from weibao.servicedesk import services

    contract = seed("drg-wuhan")
    services.ticket_create(
        actor=people["doctor"], contract=contract, term=contract.terms.first(), title="导出测试"
    )
    response = client_for(people["admin"]).get("/api/v1/tickets/export.xlsx")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws.title == "维护记录台账" and ws["A1"].value == "工单号" and ws["J2"].value == "导出测试"


def test_data_change_api_encrypts_and_requires_approval(client_for, seed, people):
    contract = seed("drg-wuhan")
    engineer, admin = client_for(people["engineer"]), client_for(people["admin"])
    created = post(
        engineer,
        "/api/v1/data-changes",
        {
            "contract_id": contract.pk,
            "kind": "adjustment",
            "reason": "诊断编码错误",
            "patient_ids": ["ZY123456789"],
            "before": "J18.900",
            "after": "J18.000",
        },
    )
    assert created.status_code == 201 and created.json()["patient_ids_masked"] == "ZY*******89"
    assert "ZY123456789" not in created.content.decode()
    rid = created.json()["id"]
    early = post(engineer, f"/api/v1/data-changes/{rid}/steps", {"step": "execute"})
    assert early.status_code == 400 and "审批" in json.dumps(early.json(), ensure_ascii=False)
    assert post(engineer, f"/api/v1/data-changes/{rid}/steps", {"step": "approve"}).status_code == 403
    assert post(admin, f"/api/v1/data-changes/{rid}/steps", {"step": "approve"}).json()["state"] == "approved"
    assert (
        post(engineer, f"/api/v1/data-changes/{rid}/steps", {"step": "execute"}).json()["state"] == "executed"
    )
    assert post(admin, f"/api/v1/data-changes/{rid}/steps", {"step": "verify"}).json()["state"] == "verified"
    locked = engineer.patch(
        f"/api/v1/data-changes/{rid}", json.dumps({"after": "x"}), content_type="application/json"
    )
    assert locked.status_code == 400
    assert DataChange.objects.get(pk=rid).get_patient_ids() == ["ZY123456789"]


def test_change_request_api(client_for, seed, people):
    contract = seed("his-3y")
    admin, engineer = client_for(people["admin"]), client_for(people["engineer"])
    cr = post(
        admin,
        "/api/v1/change-requests",
        {"contract_id": contract.pk, "title": "新增报表", "requirement": "月度门诊量报表"},
    ).json()
    step = post(
        engineer,
        f"/api/v1/change-requests/{cr['id']}/steps",
        {"action": "assess", "assessment": "2人天", "estimate_days": "2"},
    )
    assert step.status_code == 200 and step.json()["state"] == "assessed"
    assert post(admin, f"/api/v1/change-requests/{cr['id']}/steps", {"action": "deploy"}).status_code == 400


def test_phone_logging_records_the_response_at_once(client_for, seed, people):
    contract = seed("pacs-guangxi")
    hotline = contract.terms.get(category="consulting")  # 1 h on 7x24
    created = post(
        client_for(people["engineer"]),
        "/api/v1/tickets",
        {
            "contract_id": contract.pk,
            "term_id": hotline.pk,
            "title": "仙葫院区无法刻录光盘",
            "channel": "phone",
            "caller_name": "王护士",
            "caller_department": "放射科",
            "caller_phone": "0771-1234",
            "respond": True,
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert body["state"] == "responded" and body["responded_at"] == body["created_at"]
    assert Ticket.objects.get(pk=body["id"]).clocks.get(kind="response").status == "met"


def test_watchers_hear_about_replies(client_for, seed, people, django_capture_on_commit_callbacks):
    from weibao.notifications.models import Notification
    from weibao.servicedesk import services

    contract = seed("drg-wuhan")
    t = services.ticket_create(
        actor=people["doctor"], contract=contract, term=contract.terms.first(), title="关注"
    )
    watched = post(client_for(people["manager"]), f"/api/v1/tickets/{t.pk}/watch", {"watch": True})
    assert watched.status_code == 200 and watched.json()["watching"] is True
    with django_capture_on_commit_callbacks(execute=True):
        post(client_for(people["engineer"]), f"/api/v1/tickets/{t.pk}/comments", {"body": "已远程登录检查"})
    replies = Notification.objects.filter(event="ticket.reply")
    assert {n.recipient for n in replies} == {people["doctor"], people["manager"]}


def test_create_reads_the_term_once_and_sees_every_change(client_for, seed, people, other_hospital):
    """The term a ticket is opened under is cached: a second create reads no term, a changed
    target applies to the next ticket at once, and another hospital's users still get a 404."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from weibao.testing.factories import member

    contract = seed("drg-wuhan")
    term = contract.terms.get(number=10)
    c = client_for(people["admin"])
    payload = {"contract_id": contract.pk, "term_id": term.pk, "title": "缓存"}
    assert post(c, "/api/v1/tickets", payload).status_code == 201
    with CaptureQueriesContext(connection) as queries:
        second = post(c, "/api/v1/tickets", payload)
    assert second.status_code == 201
    assert not [q for q in queries.captured_queries if "contracts_serviceterm" in q["sql"]]
    before = {k["kind"]: k["target_seconds"] for k in second.json()["clocks"]}

    term.response = {"within": "10m", "calendar": "7x24"}
    term.save()
    after = {k["kind"]: k["target_seconds"] for k in post(c, "/api/v1/tickets", payload).json()["clocks"]}
    assert after["response"] == 600 != before["response"]

    outsider = client_for(member(other_hospital, "hospital_admin"))
    denied = post(outsider, "/api/v1/tickets", payload)
    assert denied.status_code == 404 and denied.json()["code"] == "not_found"
    wrong_contract = post(c, "/api/v1/tickets", {**payload, "contract_id": seed("pacs-huizhou").pk})
    assert wrong_contract.status_code == 404


@pytest.mark.parametrize("shared", [False, True], ids=["embedded cache", "shared cache"])
def test_a_token_request_reads_the_term_from_its_process(seed, people, monkeypatch, shared):
    """Through an API token the request learns the scope generation with its token, and the
    term is then this process's copy: the shared cache is asked once per create (the token), not
    twice. A changed term still applies to the next ticket, and a flushed shared cache starts a
    new generation rather than one an old copy was kept at."""
    from django.core.cache import cache
    from django.test import Client

    from weibao.accounts.services import api_token_create
    from weibao.core.cache import generation

    monkeypatch.setattr(generation, "_shared_cache", lambda: shared)  # the test cache is local
    contract = seed("drg-wuhan")
    term = contract.terms.get(number=10)
    _, raw = api_token_create(user=people["admin"], name="集成")
    c = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    payload = {"contract_id": contract.pk, "term_id": term.pk, "title": "本进程缓存"}
    assert post(c, "/api/v1/tickets", payload).status_code == 201
    asked: list[str] = []
    for name in ("get", "get_many"):
        real = getattr(cache, name)
        monkeypatch.setattr(
            cache,
            name,
            lambda keys, *a, real=real, **k: (
                asked.extend([keys] if isinstance(keys, str) else keys) or real(keys, *a, **k)
            ),
        )
    second = post(c, "/api/v1/tickets", payload)
    assert second.status_code == 201
    assert [k for k in asked if k.startswith("wb:ref:contracts.serviceterm:")] == []
    assert [k for k in asked if k.startswith("wb:token:")] and len(second.json()["clocks"]) >= 1

    before = {k["kind"]: k["target_seconds"] for k in second.json()["clocks"]}
    term.response = {"within": "10m", "calendar": "7x24"}
    term.save()
    after = {k["kind"]: k["target_seconds"] for k in post(c, "/api/v1/tickets", payload).json()["clocks"]}
    assert after["response"] == 600 != before["response"]

    if shared:
        kept = generation.generation()
        cache.clear()  # a restarted or flushed Redis
        assert generation.generation() > kept
        term.response = {"within": "20m", "calendar": "7x24"}
        term.save()
        cache.clear()
        third = post(c, "/api/v1/tickets", payload).json()
        assert {k["kind"]: k["target_seconds"] for k in third["clocks"]}["response"] == 1200


def test_a_report_names_cached_reference_rows_under_the_visibility_rule(seed, people, other_hospital):
    """The department, severity, system and module a report names are kept in the cache: a
    second report reads none of them from the database, a change to one applies to the next
    report at once, and rows of another hospital or contract are still a 404."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from weibao.accounts.services import api_token_create
    from weibao.contracts.models import MaintainedSystem, Module
    from weibao.testing.factories import DepartmentFactory

    contract, other_contract = seed("drg-wuhan"), seed("pacs-huizhou")
    term = contract.terms.get(number=10)
    system = MaintainedSystem.objects.create(
        hospital=contract.hospital, contract=contract, code="drg-t", name="DRG 测试", kind="DRG"
    )
    module = Module.objects.create(system=system, name="分组器")
    _, raw = api_token_create(user=people["admin"], name="集成")
    c = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    payload = {
        "contract_id": contract.pk,
        "term_id": term.pk,
        "title": "分组失败",
        "department_id": people["radiology"].pk,
        "severity_id": contract.severities.order_by("order").first().pk,
        "module_id": module.pk,
    }
    assert post(c, "/api/v1/tickets", payload).status_code == 201
    with CaptureQueriesContext(connection) as queries:
        second = post(c, "/api/v1/tickets", payload)
    assert second.status_code == 201, second.json()
    read = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    for table in (
        "accounts_department",
        "contracts_severity",
        "contracts_module",
        "contracts_maintainedsystem",
    ):
        assert not [sql for sql in read if f'FROM "{table}"' in sql], table
    ticket = Ticket.objects.get(pk=second.json()["id"])
    assert (ticket.department_id, ticket.module_id, ticket.system_id) == (
        people["radiology"].pk,
        module.pk,
        system.pk,
    )

    people["radiology"].name = "医学影像科"
    people["radiology"].save()
    other_system = MaintainedSystem.objects.create(
        hospital=contract.hospital, contract=contract, code="drg-t2", name="DRG 测试 2", kind="DRG"
    )
    module.system = other_system
    module.save()
    third = post(c, "/api/v1/tickets", payload)
    assert third.status_code == 201
    ticket = Ticket.objects.select_related("department").get(pk=third.json()["id"])
    assert ticket.department.name == "医学影像科" and ticket.system_id == other_system.pk

    elsewhere = DepartmentFactory(hospital=other_hospital)
    other_severity = other_contract.severities.first()
    for bad in ({"department_id": elsewhere.pk}, {"department_id": 10**9}):
        denied = post(c, "/api/v1/tickets", {**payload, **bad})
        assert denied.status_code == 404 and denied.json()["code"] == "not_found", bad
    if other_severity is not None:
        denied = post(c, "/api/v1/tickets", {**payload, "severity_id": other_severity.pk})
        assert denied.status_code == 404


def test_saved_filters_are_each_users_own(client_for, people):
    from weibao.servicedesk.models import SavedFilter

    mine, theirs = client_for(people["admin"]), client_for(people["doctor"])
    made = mine.post(
        "/api/v1/saved-filters", {"name": "我的待办", "query": "open=1"}, content_type="application/json"
    )
    assert made.status_code == 201 and made.json()["query"] == "open=1"
    same = mine.post(
        "/api/v1/saved-filters", {"name": "我的待办", "query": "x"}, content_type="application/json"
    )
    assert same.status_code == 400 and "name" in same.json()["detail"]
    assert [f["name"] for f in mine.get("/api/v1/saved-filters").json()["items"]] == ["我的待办"]
    assert theirs.get("/api/v1/saved-filters").json() == {"items": [], "next_cursor": None}
    assert theirs.delete(f"/api/v1/saved-filters/{made.json()['id']}").status_code == 404
    # The list page's "save" gives a name taken before the new query.
    page = mine.post("/tickets/filters/save/", {"name": "我的待办", "query": "open=1&sort=risk"})
    assert page.status_code == 302
    assert SavedFilter.objects.get(user=people["admin"]).query == "open=1&sort=risk"
    assert mine.delete(f"/api/v1/saved-filters/{made.json()['id']}").status_code == 204
    assert not SavedFilter.objects.exists()
