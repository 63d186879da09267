"""Every API route and every page that takes an id refuses another hospital's objects with 404.

One fixture builds, for hospital B, an object of every kind any route can address; hospital A's
admin then calls every route. A route added without a case here fails this test.
"""

from __future__ import annotations

import pytest

from weibao.accounts import services as account_services
from weibao.accounts.choices import Role
from weibao.accounts.mfa import has_device
from weibao.accounts.models import Membership, Organization
from weibao.audit.services import audit_record
from weibao.calendars import services as calendar_services
from weibao.testing.factories import CampusFactory, DepartmentFactory, member
from weibao.testing.mfa import totp_device
from weibao.testing.tenancy import PARAM, api_operations, check_api_isolation, check_ui_isolation

pytestmark = pytest.mark.django_db

#: Routes whose data is not owned by any hospital (China's statutory holidays).
NOT_TENANT_DATA = {
    "/api/v1/holidays/{year}",
    "/api/v1/contract-templates/{template_code}",
    # Multipart upload: the tenancy of the same route is checked in test_attachment_upload_refuses_…
    "/api/v1/tickets/{ticket_id}/attachments",
}


@pytest.fixture
def world(hospital, other_hospital):
    admin_a = member(hospital, Role.HOSPITAL_ADMIN)
    admin_b = member(other_hospital, Role.HOSPITAL_ADMIN)
    dept_b = DepartmentFactory(hospital=other_hospital)
    CampusFactory(hospital=other_hospital)
    user_b = member(other_hospital, Role.DEPARTMENT_USER, department=dept_b)
    totp_device(user_b)  # a second factor that another hospital's admin must not reset
    token_b, _raw = account_services.api_token_create(user=admin_b, name="b")
    event_b = audit_record(action="test.event", actor=admin_b, organization=other_hospital)
    calendar_b = calendar_services.calendar_create(
        actor=admin_b,
        code="b-hours",
        name="B 医院工作时间",
        owner=other_hospital,
        weekly={"0": [["08:00", "17:00"]]},
    )
    exception_b = calendar_services.exception_set(
        actor=admin_b, calendar=calendar_b, day=__import__("datetime").date(2026, 3, 3), periods=[]
    )
    from datetime import date

    from weibao.contracts.models import Endpoint, Interface, MaintainedSystem, Module
    from weibao.contracts.services import contract_create_from_template
    from weibao.contracts.template_loader import get_template
    from weibao.testing.factories import VendorFactory

    contract_b = contract_create_from_template(
        actor=admin_b,
        template=get_template("drg-wuhan"),
        hospital=other_hospital,
        vendor=VendorFactory(),
        start=date(2026, 1, 1),
    )
    system_b = MaintainedSystem.objects.filter(contract=contract_b).first()
    module_b = Module.objects.create(system=system_b, name="模块 B")
    interface_b = Interface.objects.filter(system=system_b).first() or Interface.objects.create(
        system=system_b, code="his", name="HIS 接口", peer="HIS", direction="both", protocol="hl7v2_mllp"
    )
    endpoint_b = Endpoint.objects.create(
        system=system_b, name="B 端点", kind="tcp", host="127.0.0.1", port=104
    )
    from weibao.servicedesk import attachments as sd_attachments
    from weibao.servicedesk import records as sd_records
    from weibao.servicedesk import services as sd_services
    from weibao.servicedesk.models import SavedFilter

    ticket_b = sd_services.ticket_create(
        actor=admin_b, contract=contract_b, term=contract_b.terms.first(), title="B 医院的工单"
    )
    data_change_b = sd_records.data_change_request(
        actor=admin_b, contract=contract_b, kind="recovery", reason="恢复", after="从备份恢复"
    )
    change_request_b = sd_records.change_request_create(
        actor=admin_b, contract=contract_b, title="需求", requirement="描述"
    )
    filter_b = SavedFilter.objects.create(user=admin_b, name="B", query="open=1")
    from django.core.files.uploadedfile import SimpleUploadedFile

    attachment_b = sd_attachments.attachment_add(
        actor=admin_b, ticket=ticket_b, upload=SimpleUploadedFile("b.txt", b"log", content_type="text/plain")
    )
    from weibao.notifications.services import notify, robot_create

    notification_b = notify(
        event="ticket.assigned", recipients=[admin_b], title="B", body="", hospital=other_hospital
    )[0]
    robot_b = robot_create(
        actor=admin_b,
        organization=other_hospital,
        kind="wecom",
        name="B 群",
        url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=b",
        events=["sla.breached"],
    )
    from weibao.probes.services import monitoring_mapping_create, monitoring_token_create

    monitoring_token_b, _raw_b = monitoring_token_create(actor=admin_b, hospital=other_hospital, name="B")
    mapping_b = monitoring_mapping_create(
        actor=admin_b, hospital=other_hospital, source="zabbix", value="b-host", system=system_b
    )
    from weibao.probes.probing import probe_create

    probe_b = probe_create(actor=admin_b, endpoint=endpoint_b, name="B 探针", kind="tcp")
    from weibao.inspections.models import Inspection

    inspection_b = Inspection.objects.filter(contract=contract_b).first()
    assert inspection_b is not None
    from weibao.documents.services import document_store
    from weibao.testing.documents import CODE, ensure_sample_kind

    ensure_sample_kind()
    document_b = document_store(
        actor=admin_b,
        hospital=other_hospital,
        contract=contract_b,
        kind=CODE,
        title="B 的报告",
        filename="b.docx",
        content=b"b",
    )
    from datetime import timedelta

    from django.utils import timezone

    from weibao.duty import services as duty_services

    engineer_b = member(contract_b.vendor, Role.VENDOR_ENGINEER)
    other_engineer_b = member(contract_b.vendor, Role.VENDOR_ENGINEER)
    plan_b = duty_services.holiday_plans_generate(
        actor=admin_b, contract=contract_b, year=2026, engineers=[engineer_b]
    )[0]
    soon = timezone.now() + timedelta(days=1)
    shift_b = duty_services.shift_create(
        actor=admin_b, contract=contract_b, engineer=engineer_b, start=soon, end=soon + timedelta(hours=8)
    )
    swap_b = duty_services.swap_request(
        actor=admin_b, shift=shift_b, to_engineer=other_engineer_b, reason="B"
    )
    from weibao.duty import incidents as duty_incidents

    emergency_plan_b = duty_incidents.emergency_plan_save(
        actor=admin_b, contract=contract_b, code="YJ-B", title="B 预案", content="B", responsible=admin_b
    )
    drill_b = duty_incidents.drill_record(
        actor=admin_b, plan=emergency_plan_b, day=date(2026, 9, 1), scenario="B", participants="B"
    )
    incident_b = duty_incidents.incident_create(
        actor=admin_b, contract=contract_b, title="B 事件", tickets=[ticket_b], plan=emergency_plan_b
    )
    from weibao.duty import remote as duty_remote

    remote_b = duty_remote.remote_request(
        actor=engineer_b,
        contract=contract_b,
        system=system_b,
        purpose="B",
        planned_start=soon,
        planned_end=soon + timedelta(hours=1),
    )
    return {
        "remote_b": remote_b,
        "emergency_plan_b": emergency_plan_b,
        "drill_b": drill_b,
        "incident_b": incident_b,
        "document_b": document_b,
        "plan_b": plan_b,
        "shift_b": shift_b,
        "swap_b": swap_b,
        "probe_b": probe_b,
        "monitoring_token_b": monitoring_token_b,
        "mapping_b": mapping_b,
        "inspection_b": inspection_b,
        "notification_b": notification_b,
        "robot_b": robot_b,
        "ticket_b": ticket_b,
        "data_change_b": data_change_b,
        "change_request_b": change_request_b,
        "filter_b": filter_b,
        "attachment_b": attachment_b,
        "contract_b": contract_b,
        "term_b": contract_b.terms.first(),
        "severity_b": contract_b.severities.first(),
        "system_b": system_b,
        "module_b": module_b,
        "interface_b": interface_b,
        "endpoint_b": endpoint_b,
        "admin_a": admin_a,
        "admin_b": admin_b,
        "user_b": user_b,
        "token_b": token_b,
        "event_b": event_b,
        "membership_b": Membership.objects.get(user=user_b),
        "calendar_b": calendar_b,
        "exception_b": exception_b,
        "hospital_b": other_hospital,
    }


def test_api_refuses_the_other_hospital(client_for, world):
    w = world
    checked = check_api_isolation(
        client_for(w["admin_a"]),
        owner_client=client_for(w["admin_b"]),
        ids={
            "org_id": w["hospital_b"].pk,
            "membership_id": w["membership_b"].pk,
            "event_id": w["event_b"].pk,
            "token_id": w["token_b"].pk,
            "code": w["calendar_b"].code,
            "exception_id": w["exception_b"].pk,
            "contract_id": w["contract_b"].pk,
            "term_id": w["term_b"].pk,
            "severity_id": w["severity_b"].pk,
            "system_id": w["system_b"].pk,
            "module_id": w["module_b"].pk,
            "interface_id": w["interface_b"].pk,
            "endpoint_id": w["endpoint_b"].pk,
            "ticket_id": w["ticket_b"].pk,
            "data_change_id": w["data_change_b"].pk,
            "change_request_id": w["change_request_b"].pk,
            "filter_id": w["filter_b"].pk,
            "notification_id": w["notification_b"].pk,
            "robot_id": w["robot_b"].pk,
            "inspection_id": w["inspection_b"].pk,
            "probe_id": w["probe_b"].pk,
            "user_id": w["user_b"].pk,
            "plan_id": w["plan_b"].pk,
            "shift_id": w["shift_b"].pk,
            "swap_id": w["swap_b"].pk,
            "emergency_plan_id": w["emergency_plan_b"].pk,
            "drill_id": w["drill_b"].pk,
            "incident_id": w["incident_b"].pk,
            "remote_session_id": w["remote_b"].pk,
        },
        bodies={
            ("POST", "/api/v1/organizations/{org_id}/campuses"): {"name": "新院区"},
            ("POST", "/api/v1/organizations/{org_id}/departments"): {"name": "新科室"},
            ("POST", "/api/v1/organizations/{org_id}/grants"): {"user_id": w["admin_a"].pk},
            ("PATCH", "/api/v1/organizations/{org_id}"): {"name": "改名"},
            ("PATCH", "/api/v1/calendars/{code}"): {"name": "改名"},
            ("PATCH", "/api/v1/contracts/{contract_id}"): {"title": "改名"},
            ("POST", "/api/v1/contracts/{contract_id}/terms"): {
                "category": "fault",
                "item": "x",
                "content": "x",
            },
            ("PATCH", "/api/v1/terms/{term_id}"): {"item": "改名"},
            ("PATCH", "/api/v1/severities/{severity_id}"): {"label": "改名"},
            ("PATCH", "/api/v1/systems/{system_id}"): {"name": "改名"},
            ("POST", "/api/v1/systems/{system_id}/modules"): {"name": "x"},
            ("PATCH", "/api/v1/modules/{module_id}"): {"name": "改名"},
            ("POST", "/api/v1/systems/{system_id}/interfaces"): {
                "code": "x",
                "name": "x",
                "peer": "x",
                "direction": "both",
                "protocol": "other",
            },
            ("PATCH", "/api/v1/interfaces/{interface_id}"): {"name": "改名"},
            ("POST", "/api/v1/systems/{system_id}/endpoints"): {"name": "x", "kind": "tcp"},
            ("PATCH", "/api/v1/endpoints/{endpoint_id}"): {"name": "改名"},
            ("PATCH", "/api/v1/tickets/{ticket_id}"): {"version": 1, "title": "改名"},
            ("POST", "/api/v1/tickets/{ticket_id}/transitions"): {"action": "respond"},
            ("POST", "/api/v1/tickets/{ticket_id}/comments"): {"body": "x"},
            ("POST", "/api/v1/tickets/{ticket_id}/flags"): {"flag": "vendor_caused", "reason": "x"},
            ("POST", "/api/v1/tickets/{ticket_id}/severity"): {"severity_id": 1, "reason": "x"},
            ("POST", "/api/v1/tickets/{ticket_id}/move"): {"contract_id": w["contract_b"].pk, "reason": "x"},
            ("PATCH", "/api/v1/data-changes/{data_change_id}"): {"reason": "x"},
            ("POST", "/api/v1/data-changes/{data_change_id}/steps"): {"step": "approve"},
            ("POST", "/api/v1/change-requests/{change_request_id}/steps"): {"action": "reject"},
            ("PATCH", "/api/v1/robots/{robot_id}"): {"name": "改名"},
            ("POST", "/api/v1/contracts/{contract_id}/holiday-plans"): {
                "year": 2026,
                "engineer_ids": [w["admin_a"].pk],
            },
            ("POST", "/api/v1/duty/shifts/{shift_id}/swaps"): {
                "to_engineer_id": w["admin_a"].pk,
                "reason": "x",
            },
            ("POST", "/api/v1/duty/swaps/{swap_id}/decision"): {"approve": True},
            ("PATCH", "/api/v1/duty/incidents/{incident_id}"): {"root_cause": "改"},
            ("POST", "/api/v1/remote-sessions/{remote_session_id}/decision"): {"approve": True},
            ("POST", "/api/v1/duty/emergency-plans/{emergency_plan_id}/drills"): {
                "date": "2026-09-02",
                "scenario": "x",
                "participants": "x",
            },
            ("POST", "/api/v1/tickets/{ticket_id}/watch"): {"watch": True},
            ("POST", "/api/v1/calendars/{code}/exceptions"): {"date": "2026-03-04", "periods": []},
            ("POST", "/api/v1/calendars/{code}/due"): {
                "start": "2026-03-02T08:00:00+08:00",
                "duration": "1h",
            },
            ("POST", "/api/v1/calendars/{code}/elapsed"): {
                "start": "2026-03-02T08:00:00+08:00",
                "end": "2026-03-02T09:00:00+08:00",
            },
        },
        exempt=NOT_TENANT_DATA,
    )
    assert len(checked) >= 45
    assert "POST /api/v1/users/{user_id}/mfa-reset" in checked
    reset = client_for(w["admin_a"]).post(f"/api/v1/users/{w['user_b'].pk}/mfa-reset")
    assert reset.status_code == 404 and reset.json()["code"] == "not_found"
    assert has_device(w["user_b"])
    assert Organization.objects.get(pk=w["hospital_b"].pk).name != "改名"
    assert w["hospital_b"].campuses.count() == 1
    w["calendar_b"].refresh_from_db()
    assert w["calendar_b"].name == "B 医院工作时间" and w["calendar_b"].exceptions.count() == 1
    w["robot_b"].refresh_from_db()
    assert w["robot_b"].name == "B 群" and w["robot_b"].is_active
    w["ticket_b"].refresh_from_db()
    assert w["ticket_b"].state == "new" and w["ticket_b"].title == "B 医院的工单"
    assert not w["ticket_b"].events.filter(kind="reply").exists()
    w["contract_b"].refresh_from_db()
    assert w["contract_b"].title != "改名" and w["contract_b"].terms.count() == 10
    w["swap_b"].refresh_from_db()
    assert w["swap_b"].state == "requested"
    w["incident_b"].refresh_from_db()
    assert w["incident_b"].root_cause == "" and w["emergency_plan_b"].drills.count() == 1
    w["remote_b"].refresh_from_db()
    assert w["remote_b"].state == "requested"


def test_lists_show_nothing_of_the_other_hospital(client_for, world):
    """Every paginated list, walked to its end by hospital A's admin, holds none of B's rows."""
    w = world
    client = client_for(w["admin_a"])
    foreign = {
        "hospital_id": w["hospital_b"].pk,
        "organization_id": w["hospital_b"].pk,
        "owner_id": w["hospital_b"].pk,
        "contract_id": w["contract_b"].pk,
    }
    walked = []
    for method, template in api_operations():
        if method != "GET" or PARAM.findall(template):
            continue
        response = client.get(template)
        if not response["Content-Type"].startswith("application/json"):
            continue  # the XLSX export, tested with the exports
        page = response.json()
        if not isinstance(page, dict) or "next_cursor" not in page:
            continue
        items = page["items"]
        while page["next_cursor"]:
            page = client.get(f"{template}?cursor={page['next_cursor']}").json()
            items += page["items"]
        for item in items:
            leaked = [name for name, value in foreign.items() if item.get(name) == value]
            assert not leaked, (template, item)
        walked.append(template)
    orgs = client.get("/api/v1/organizations").json()["items"]
    assert w["hospital_b"].pk not in {o["id"] for o in orgs}
    assert {"/api/v1/tickets", "/api/v1/audit-events", "/api/v1/memberships", "/api/v1/robots"} <= set(walked)
    assert len(walked) >= 12


def test_pages_refuse_the_other_hospital(client_for, world):
    w = world
    pk = {"pk": w["hospital_b"].pk}
    code = {"code": w["calendar_b"].code}
    checked = check_ui_isolation(
        client_for(w["admin_a"]),
        owner_client=client_for(w["admin_b"]),
        kwargs={
            "accounts:organization_detail": pk,
            "accounts:member_create": pk,
            "accounts:campus_create": pk,
            "accounts:department_create": pk,
            "accounts:user_detail": {"pk": w["user_b"].pk},
            "accounts:user_action": {"pk": w["user_b"].pk, "action": "deactivate"},
            "accounts:token_revoke": {"pk": w["token_b"].pk},
            "audit:event_detail": {"pk": w["event_b"].pk},
            "calendars:calendar_detail": code,
            "calendars:calendar_edit": code,
            "calendars:calendar_due": code,
            "calendars:exception_add": code,
            "calendars:exception_delete": {**code, "pk": w["exception_b"].pk},
            "contracts:contract_detail": {"pk": w["contract_b"].pk},
            "contracts:term_edit": {"pk": w["term_b"].pk},
            "contracts:system_detail": {"pk": w["system_b"].pk},
            "servicedesk:ticket_detail": {"pk": w["ticket_b"].pk},
            "servicedesk:ticket_clocks": {"pk": w["ticket_b"].pk},
            "servicedesk:ticket_act": {"pk": w["ticket_b"].pk},
            "servicedesk:ticket_comment": {"pk": w["ticket_b"].pk},
            "servicedesk:ticket_assign": {"pk": w["ticket_b"].pk},
            "servicedesk:ticket_flag": {"pk": w["ticket_b"].pk},
            "servicedesk:ticket_severity": {"pk": w["ticket_b"].pk},
            "servicedesk:ticket_move": {"pk": w["ticket_b"].pk},
            "servicedesk:ticket_watch": {"pk": w["ticket_b"].pk},
            "servicedesk:mobile_status": {"pk": w["ticket_b"].pk},
            "servicedesk:report_done": {"pk": w["ticket_b"].pk},
            "servicedesk:attachment_download": {"pk": w["attachment_b"].pk},
            "servicedesk:data_change_detail": {"pk": w["data_change_b"].pk},
            "servicedesk:change_request_detail": {"pk": w["change_request_b"].pk},
            "notifications:notification_open": {"pk": w["notification_b"].pk},
            "notifications:notification_read": {"pk": w["notification_b"].pk},
            "notifications:robot_edit": {"pk": w["robot_b"].pk},
            "notifications:robot_deactivate": {"pk": w["robot_b"].pk},
            "notifications:robot_test": {"pk": w["robot_b"].pk},
            "probes:token_revoke": {"pk": w["monitoring_token_b"].pk},
            "probes:mapping_delete": {"pk": w["mapping_b"].pk},
            "inspections:contract_plan": {"pk": w["contract_b"].pk},
            "probes:contract_probes": {"pk": w["contract_b"].pk},
            "probes:probe_detail": {"pk": w["probe_b"].pk},
            "probes:probe_edit": {"pk": w["probe_b"].pk},
            "probes:probe_run": {"pk": w["probe_b"].pk},
            "probes:probe_delete": {"pk": w["probe_b"].pk},
            "documents:download": {"pk": w["document_b"].pk},
            "duty:contract_duty": {"pk": w["contract_b"].pk},
            "duty:plan_detail": {"pk": w["plan_b"].pk},
            "duty:shift_swap": {"pk": w["shift_b"].pk},
            "duty:swap_decide": {"pk": w["swap_b"].pk},
            "duty:incident_detail": {"pk": w["incident_b"].pk},
            "duty:incident_sign": {"pk": w["incident_b"].pk},
            "duty:incident_print": {"pk": w["incident_b"].pk},
            "duty:emergency_plan_detail": {"pk": w["emergency_plan_b"].pk},
            "duty:remote_detail": {"pk": w["remote_b"].pk},
            "duty:remote_act": {"pk": w["remote_b"].pk},
            "duty:remote_system": {"pk": w["system_b"].pk},
        },
        # The template pages take a document kind, not an id; the hospital is one the user
        # manages (test_templates_are_only_the_managed_hospitals in documents' tests). The ICS
        # feed takes a secret, not an id (a wrong one is a 404: weibao/duty/tests).
        exempt={
            "calendars:holiday_year",
            "documents:template_download",
            "documents:template_upload",
            "documents:template_reset",
            "duty:ics",
        },
    )
    assert len(checked) == 55
    w["user_b"].refresh_from_db()
    assert w["user_b"].is_active
    w["probe_b"].refresh_from_db()  # still there, never run
    assert w["probe_b"].last_run_at is None and w["probe_b"].name == "B 探针"


@pytest.mark.parametrize("name", ["servicedesk:data_change_new", "servicedesk:change_request_new"])
def test_records_cannot_be_started_from_the_other_hospitals_ticket(client_for, world, name):
    """The record forms take the ticket they start from in the query string (or the form)."""
    from django.urls import reverse

    ticket_b, url = world["ticket_b"], reverse(name)
    client = client_for(world["admin_a"])
    assert client.get(url, {"ticket": ticket_b.pk}).status_code == 404
    assert client.post(url, {"ticket": ticket_b.pk, "title": "x", "reason": "x"}).status_code == 404
    assert client_for(world["admin_b"]).get(url, {"ticket": ticket_b.pk}).status_code == 200
    assert not ticket_b.data_changes.exists() and not ticket_b.change_requests.exists()


def test_a_ticket_is_never_moved_to_another_hospitals_contract(client_for, world, hospital):
    """Hospital A's admin names hospital B's contract as the target of A's own ticket: 404 on
    the API (B's contract is not A's to name), and the page moves nothing."""
    from datetime import date

    from weibao.contracts.services import contract_create_from_template
    from weibao.contracts.template_loader import get_template
    from weibao.servicedesk import services as sd_services
    from weibao.testing.factories import VendorFactory

    contract_a = contract_create_from_template(
        actor=world["admin_a"],
        template=get_template("drg-wuhan"),
        hospital=hospital,
        vendor=VendorFactory(),
        start=date(2026, 1, 1),
    )
    ticket_a = sd_services.ticket_create(
        actor=world["admin_a"], contract=contract_a, term=contract_a.terms.first(), title="A 的工单"
    )
    client = client_for(world["admin_a"])
    answer = client.post(
        f"/api/v1/tickets/{ticket_a.pk}/move",
        {"contract_id": world["contract_b"].pk, "reason": "x"},
        content_type="application/json",
    )
    assert answer.status_code == 404
    client.post(f"/tickets/{ticket_a.pk}/move/", {"contract": world["contract_b"].pk, "reason": "x"})
    ticket_a.refresh_from_db()
    assert ticket_a.contract == contract_a
    assert world["ticket_b"].__class__.objects.get(pk=world["ticket_b"].pk).contract == world["contract_b"]


def test_attachment_upload_refuses_the_other_hospital(client_for, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(world["admin_a"]).post(
        f"/api/v1/tickets/{world['ticket_b'].pk}/attachments",
        {"file": SimpleUploadedFile("x.txt", b"x", content_type="text/plain")},
    )
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert world["ticket_b"].attachments.count() == 1


def test_the_status_page_is_the_platform_admins_alone(client_for, hospital, platform_admin):
    """运行状态 describes the installation (its processes, its queue), not a hospital's data:
    platform admins see it; hospital admins, vendor managers and everyone else get 403."""
    from weibao.core.scheduler import beat
    from weibao.testing.factories import VendorFactory, member

    beat(started_at=None)
    others = [
        member(hospital, Role.HOSPITAL_ADMIN),
        member(hospital, Role.DEPARTMENT_USER, department=DepartmentFactory(hospital=hospital)),
        member(VendorFactory(), Role.VENDOR_MANAGER),
    ]
    for user in others:
        client = client_for(user)
        assert client.get("/status/").status_code == 403
        api = client.get("/api/v1/status")
        assert api.status_code == 403 and api.json()["code"] == "forbidden"
        assert 'href="/status/"' not in client.get("/").content.decode()
    admin = client_for(platform_admin)
    assert admin.get("/status/").status_code == 200
    assert admin.get("/api/v1/status").json()["workers"][0]["alive"] is True
    assert 'href="/status/"' in admin.get("/").content.decode()
