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
    from django.utils import timezone

    from weibao.inspections import doing as inspection_doing
    from weibao.inspections.models import InspectionSignature

    engineer_b = member(contract_b.vendor, Role.VENDOR_ENGINEER)
    inspection_doing.inspection_start(actor=engineer_b, inspection=inspection_b, mode="onsite")
    item_b = inspection_b.items.filter(kind="photo").first()
    inspection_doing.inspection_item_save(
        actor=engineer_b,
        item=item_b,
        result="",
        photo=SimpleUploadedFile("room.png", b"\x89PNG\r\n\x1a\n", content_type="image/png"),
    )
    InspectionSignature.objects.create(
        inspection=inspection_b,
        side="vendor",
        name="B 工程师",
        signed_on=timezone.localdate(),
        signed_at=timezone.now(),
        signed_by=engineer_b,
        image=b"\x89PNG\r\n\x1a\n",
    )

    from weibao.assessments.models import DeductionLine, SampleRow
    from weibao.assessments.services import assessment_open

    assessment_b = assessment_open(actor=admin_b, contract=contract_b, period="2026Q1")
    evaluation_b = assessment_b.evaluations.first()
    sample_row_b = SampleRow.objects.create(evaluation=evaluation_b, ticket=ticket_b, position=1)
    deduction_b = DeductionLine.objects.create(
        assessment=assessment_b,
        key="x",
        rule="late-response",
        rule_name="x",
        kind="late_response",
        basis="x",
        amount=1,
    )
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
    from weibao.residency import services as residency

    manager_b = member(contract_b.vendor, Role.VENDOR_MANAGER)
    team_member_b = residency.member_propose(
        actor=manager_b, contract=contract_b, name="B 驻场", role="驻场工程师", resident=True, user=manager_b
    )
    residency.member_decide(actor=admin_b, member=team_member_b, consent=True)
    leave_b = residency.leave_request(
        actor=manager_b,
        member=team_member_b,
        start=date(2026, 11, 2),
        end=date(2026, 11, 2),
        reason="B 请假",
    )
    from weibao.training import services as training

    session_b = training.session_create(
        actor=admin_b,
        contract=contract_b,
        kind="operation",
        title="B 培训",
        trainer="B 讲师",
        starts_at=__import__("django.utils.timezone", fromlist=["now"]).now(),
        remote=True,
        content="B 内容",
    )
    trainee_b = training.trainee_sign_in(actor=user_b, session=session_b, token=session_b.token)
    from weibao.records import services as backup_records

    policy_b = backup_records.policy_create(
        actor=admin_b, system=system_b, name="B 备份", scope="B 全库", location="B 备份机"
    )
    from weibao.records import meetings as meeting_records

    minutes_b = meeting_records.minutes_record(
        actor=admin_b,
        contract=contract_b,
        held_on=date(2026, 11, 2),
        title="B 会议",
        attendees="B",
        topics="B",
        actions=[meeting_records.Action("B 待办", "B")],
    )
    tuning_b = meeting_records.tuning_record(
        actor=admin_b,
        contract=contract_b,
        done_on=date(2026, 11, 2),
        what="B",
        why="B",
        measure="B",
        before="1",
        after="2",
    )
    from weibao.records import switchover as switchover_records

    switchover_b = switchover_records.plan_create(
        actor=admin_b,
        contract=contract_b,
        system=system_b,
        title="B 切换",
        old_system="B 旧",
        new_system="B 新",
        parallel_start=date(2026, 11, 1),
        parallel_end=date(2026, 11, 30),
        items=["B 检查项"],
    )
    switchover_check_b = switchover_records.check_record(
        actor=admin_b,
        plan=switchover_b,
        checked_on=date(2026, 11, 2),
        subject="B 核对",
        old_count=1,
        new_count=1,
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
    from weibao.reports import service_reports

    service_report_b = service_reports.service_report_create(actor=engineer_b, ticket=ticket_b)
    # A drawn signature to serve (the owner must get it for the page's case to prove anything).
    type(service_report_b).objects.filter(pk=service_report_b.pk).update(signature=b"\x89PNG\r\n\x1a\n")
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
        "service_report_b": service_report_b,
        "item_b": item_b,
        "document_b": document_b,
        "assessment_b": assessment_b,
        "evaluation_b": evaluation_b,
        "sample_row_b": sample_row_b,
        "deduction_b": deduction_b,
        "milestone_b": contract_b.payment_milestones.first(),
        "minutes_b": minutes_b,
        "action_item_b": minutes_b.actions.get(),
        "tuning_b": tuning_b,
        "policy_b": policy_b,
        "switchover_b": switchover_b,
        "switchover_item_b": switchover_b.items.get(),
        "switchover_check_b": switchover_check_b,
        "session_b": session_b,
        "trainee_b": trainee_b,
        "team_member_b": team_member_b,
        "leave_b": leave_b,
        "remote_b": remote_b,
        "emergency_plan_b": emergency_plan_b,
        "drill_b": drill_b,
        "incident_b": incident_b,
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
            "item_id": w["item_b"].pk,
            "probe_id": w["probe_b"].pk,
            "user_id": w["user_b"].pk,
            "assessment_id": w["assessment_b"].pk,
            "evaluation_id": w["evaluation_b"].pk,
            "row_id": w["sample_row_b"].pk,
            "line_id": w["deduction_b"].pk,
            "member_id": w["team_member_b"].pk,
            "leave_id": w["leave_b"].pk,
            "session_id": w["session_b"].pk,
            "trainee_id": w["trainee_b"].pk,
            "policy_id": w["policy_b"].pk,
            "minutes_id": w["minutes_b"].pk,
            "action_id": w["action_item_b"].pk,
            "tuning_id": w["tuning_b"].pk,
            "plan_id": w["plan_b"].pk,
            "shift_id": w["shift_b"].pk,
            "swap_id": w["swap_b"].pk,
            "emergency_plan_id": w["emergency_plan_b"].pk,
            "drill_id": w["drill_b"].pk,
            "incident_id": w["incident_b"].pk,
            "remote_session_id": w["remote_b"].pk,
            "switchover_id": w["switchover_b"].pk,
            "switchover_item_id": w["switchover_item_b"].pk,
            "service_report_id": w["service_report_b"].pk,
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
            ("PATCH", "/api/v1/service-reports/{service_report_id}"): {"handling": "改"},
            ("POST", "/api/v1/service-reports/{service_report_id}/sign"): {
                "signer_name": "x",
                "satisfaction": "satisfied",
            },
            ("POST", "/api/v1/duty/emergency-plans/{emergency_plan_id}/drills"): {
                "date": "2026-09-02",
                "scenario": "x",
                "participants": "x",
            },
            ("POST", "/api/v1/tickets/{ticket_id}/watch"): {"watch": True},
            ("POST", "/api/v1/inspections/{inspection_id}/start"): {"mode": "onsite"},
            ("PATCH", "/api/v1/inspection-items/{item_id}"): {"note": "x"},
            ("POST", "/api/v1/inspections/{inspection_id}/signatures"): {"side": "hospital", "name": "x"},
            ("POST", "/api/v1/calendars/{code}/exceptions"): {"date": "2026-03-04", "periods": []},
            ("POST", "/api/v1/contracts/{contract_id}/assessments"): {"period": "2026Q2"},
            ("POST", "/api/v1/assessments/{assessment_id}/actions"): {"action": "review", "note": "x"},
            ("POST", "/api/v1/assessment-evaluations/{evaluation_id}/sample"): {"size": 1},
            ("POST", "/api/v1/assessment-samples/{row_id}/mark"): {"result": "fail", "reason": "x"},
            ("POST", "/api/v1/assessment-deductions/{line_id}/waive"): {"waive": True, "reason": "x"},
            ("POST", "/api/v1/contracts/{contract_id}/deliverables/produce"): {
                "code": "change-list",
                "period": "2026Q1",
            },
            ("POST", "/api/v1/contracts/{contract_id}/deliverables/sign"): {
                "code": "change-list",
                "period": "2026Q1",
                "signed_on": "2026-04-01",
                "signer": "x",
            },
            ("POST", "/api/v1/contracts/{contract_id}/team-members"): {"name": "x", "role": "x"},
            ("POST", "/api/v1/team-members/{member_id}/decision"): {"consent": False},
            ("POST", "/api/v1/team-members/{member_id}/check-in"): {},
            ("POST", "/api/v1/team-members/{member_id}/check-out"): {},
            ("POST", "/api/v1/team-members/{member_id}/leave-requests"): {
                "start": "2026-11-03",
                "end": "2026-11-03",
                "reason": "x",
            },
            ("POST", "/api/v1/team-members/{member_id}/evaluations"): {"period": "x", "score": 1},
            ("POST", "/api/v1/leave-requests/{leave_id}/decision"): {"consent": False},
            ("POST", "/api/v1/training-sessions/{session_id}/sign-in"): {"token": w["session_b"].token},
            ("POST", "/api/v1/trainees/{trainee_id}/feedback"): {"rating": 1},
            ("POST", "/api/v1/systems/{system_id}/backup-policies"): {
                "name": "x",
                "scope": "x",
                "location": "x",
            },
            ("POST", "/api/v1/backup-policies/{policy_id}/checks"): {"ok": False},
            ("POST", "/api/v1/contracts/{contract_id}/meeting-minutes"): {
                "held_on": "2026-11-02",
                "title": "x",
                "attendees": "x",
                "topics": "x",
            },
            ("POST", "/api/v1/contracts/{contract_id}/tuning-records"): {
                "done_on": "2026-11-02",
                "what": "x",
                "why": "x",
                "measure": "x",
                "before": "1",
                "after": "2",
            },
            ("POST", "/api/v1/backup-policies/{policy_id}/restore-tests"): {
                "tested_on": "2026-11-02",
                "restored": "x",
                "target": "x",
                "result": "failed",
                "minutes": 1,
                "verified_by": "x",
            },
            ("POST", "/api/v1/contracts/{contract_id}/switchover-plans"): {
                "system_id": w["system_b"].pk,
                "title": "x",
                "old_system": "x",
                "new_system": "x",
                "parallel_start": "2026-11-01",
                "parallel_end": "2026-11-02",
            },
            ("PATCH", "/api/v1/switchover-plans/{switchover_id}"): {"title": "改"},
            ("POST", "/api/v1/switchover-plans/{switchover_id}/items"): {"title": "x"},
            ("PATCH", "/api/v1/switchover-items/{switchover_item_id}"): {"done": True},
            ("POST", "/api/v1/switchover-plans/{switchover_id}/checks"): {
                "checked_on": "2026-11-03",
                "subject": "x",
                "old_count": 1,
                "new_count": 1,
            },
            ("POST", "/api/v1/switchover-plans/{switchover_id}/sign"): {"side": "hospital"},
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
    assert "POST /api/v1/assessment-samples/{row_id}/mark" in checked
    w["sample_row_b"].refresh_from_db()
    assert w["sample_row_b"].result == "pending" and not w["deduction_b"].waived
    w["action_item_b"].refresh_from_db()
    assert w["action_item_b"].change_request_id is None and not w["policy_b"].checks.exists()
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
    w["item_b"].refresh_from_db()
    assert w["item_b"].note == "" and w["item_b"].ticket_id is None
    assert w["inspection_b"].signatures.count() == 1
    w["swap_b"].refresh_from_db()
    assert w["swap_b"].state == "requested"
    w["incident_b"].refresh_from_db()
    assert w["incident_b"].root_cause == "" and w["emergency_plan_b"].drills.count() == 1
    w["remote_b"].refresh_from_db()
    assert w["remote_b"].state == "requested"
    w["service_report_b"].refresh_from_db()
    assert w["service_report_b"].state == "draft" and w["service_report_b"].handling != "改"
    assert "POST /api/v1/service-reports/{service_report_id}/print" in checked
    _switchover_untouched(w)


def _switchover_untouched(w):
    """Hospital B's switch-over plan as B left it: no other item, check, edit or signature."""
    plan = w["switchover_b"]
    plan.refresh_from_db()
    assert plan.title == "B 切换" and not plan.frozen and plan.contract == w["contract_b"]
    assert plan.items.count() == 1 and not plan.items.get().done and plan.checks.count() == 1
    assert not plan.__class__.objects.filter(title="x").exists()


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
            "inspections:inspection_detail": {"pk": w["inspection_b"].pk},
            "inspections:inspection_start": {"pk": w["inspection_b"].pk},
            "inspections:area_ok": {"pk": w["inspection_b"].pk},
            "inspections:probes_refresh": {"pk": w["inspection_b"].pk},
            "inspections:report_produce": {"pk": w["inspection_b"].pk},
            "inspections:inspection_findings": {"pk": w["inspection_b"].pk},
            "inspections:inspection_sign": {"pk": w["inspection_b"].pk},
            "inspections:signature_image": {"pk": w["inspection_b"].pk, "side": "vendor"},
            "inspections:item_save": {"pk": w["item_b"].pk},
            "inspections:item_ticket": {"pk": w["item_b"].pk},
            "inspections:item_photo": {"pk": w["item_b"].pk},
            "assessments:assessment_detail": {"pk": w["assessment_b"].pk},
            "assessments:assessment_act": {"pk": w["assessment_b"].pk, "action": "review"},
            "assessments:termination": {"pk": w["assessment_b"].pk},
            "assessments:evaluation_report": {"pk": w["assessment_b"].pk},
            "assessments:contract": {"pk": w["contract_b"].pk},
            "assessments:assessment_open": {"pk": w["contract_b"].pk},
            "assessments:sample_draw": {"pk": w["evaluation_b"].pk},
            "assessments:sample_mark": {"pk": w["sample_row_b"].pk},
            "assessments:deduction_waive": {"pk": w["deduction_b"].pk},
            "assessments:milestone_update": {"pk": w["milestone_b"].pk},
            "probes:contract_probes": {"pk": w["contract_b"].pk},
            "probes:probe_detail": {"pk": w["probe_b"].pk},
            "probes:probe_edit": {"pk": w["probe_b"].pk},
            "probes:probe_run": {"pk": w["probe_b"].pk},
            "probes:probe_delete": {"pk": w["probe_b"].pk},
            "documents:download": {"pk": w["document_b"].pk},
            "reports:contract_deliverables": {"pk": w["contract_b"].pk},
            "reports:deliverable_produce": {"pk": w["contract_b"].pk},
            "reports:deliverable_sign": {"pk": w["contract_b"].pk},
            "residency:contract_team": {"pk": w["contract_b"].pk},
            "residency:contract_attendance": {"pk": w["contract_b"].pk},
            "residency:member_decide": {"pk": w["team_member_b"].pk},
            "residency:member_remove": {"pk": w["team_member_b"].pk},
            "residency:member_check": {"pk": w["team_member_b"].pk},
            "residency:leave_new": {"pk": w["team_member_b"].pk},
            "residency:evaluate": {"pk": w["team_member_b"].pk},
            "residency:certificate_add": {"pk": w["team_member_b"].pk},
            "residency:leave_decide": {"pk": w["leave_b"].pk},
            "training:session_detail": {"pk": w["session_b"].pk},
            "training:sign_in_toggle": {"pk": w["session_b"].pk},
            "training:sign_in": {"pk": w["session_b"].pk, "token": w["session_b"].token},
            "training:feedback": {"pk": w["trainee_b"].pk},
            "records:policy_detail": {"pk": w["policy_b"].pk},
            "records:contract_records": {"pk": w["contract_b"].pk},
            "records:action_to_change_request": {"pk": w["action_item_b"].pk},
            "records:policy_edit": {"pk": w["policy_b"].pk},
            "records:minutes_new": {"pk": w["contract_b"].pk},
            "records:minutes_edit": {"pk": w["minutes_b"].pk},
            "records:tuning_new": {"pk": w["contract_b"].pk},
            "records:tuning_edit": {"pk": w["tuning_b"].pk},
            "records:switchover_new": {"pk": w["contract_b"].pk},
            "records:switchover_detail": {"pk": w["switchover_b"].pk},
            "records:switchover_edit": {"pk": w["switchover_b"].pk},
            "records:switchover_item_add": {"pk": w["switchover_b"].pk},
            "records:switchover_check_add": {"pk": w["switchover_b"].pk},
            "records:switchover_sign": {"pk": w["switchover_b"].pk},
            "records:switchover_print": {"pk": w["switchover_b"].pk},
            "records:switchover_item_update": {"pk": w["switchover_item_b"].pk},
            "duty:incident_new": {"pk": w["contract_b"].pk},
            "duty:incident_edit": {"pk": w["incident_b"].pk},
            "duty:emergency_plan_new": {"pk": w["contract_b"].pk},
            "duty:emergency_plan_revise": {"pk": w["emergency_plan_b"].pk},
            "duty:drill_new": {"pk": w["emergency_plan_b"].pk},
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
            "reports:service_report_detail": {"pk": w["service_report_b"].pk},
            "reports:service_report_edit": {"pk": w["service_report_b"].pk},
            "reports:service_report_sign": {"pk": w["service_report_b"].pk},
            "reports:service_report_print": {"pk": w["service_report_b"].pk},
            "reports:service_report_signature": {"pk": w["service_report_b"].pk},
            "reports:contract_service_reports": {"pk": w["contract_b"].pk},
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
    w["assessment_b"].refresh_from_db()  # not reviewed by the other hospital
    assert w["assessment_b"].state == "draft" and w["sample_row_b"].result == "pending"
    assert not w["contract_b"].deliverables.exists()
    assert not w["policy_b"].checks.exists() and not w["policy_b"].restore_tests.exists()
    w["session_b"].refresh_from_db()
    assert w["session_b"].sign_in_open and w["session_b"].trainees.count() == 1
    assert len(checked) == 119
    _switchover_untouched(w)
    w["service_report_b"].refresh_from_db()
    assert w["service_report_b"].state == "draft" and not w["service_report_b"].signer_name
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


@pytest.mark.parametrize("source", ["ticket", "inspection"])
def test_a_service_report_is_never_written_from_the_other_hospitals_ticket_or_inspection(
    client_for, world, source
):
    """The 服务报告 form takes the ticket or inspection it is written from in the query string (or
    the form): another hospital's is a 404, and nothing is written."""
    from django.urls import reverse

    from weibao.reports.models import ServiceReport

    obj = world["ticket_b"] if source == "ticket" else world["inspection_b"]
    url = reverse("reports:service_report_new")
    client = client_for(world["admin_a"])
    before = ServiceReport.objects.count()
    assert client.get(url, {source: obj.pk}).status_code == 404
    assert (
        client.post(url, {source: obj.pk, "mode": "onsite", "fault": "x", "handling": "x"}).status_code == 404
    )
    api = client.post("/api/v1/service-reports", {f"{source}_id": obj.pk}, content_type="application/json")
    assert api.status_code == 404
    assert ServiceReport.objects.count() == before


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


MONEY_ROUTES = [
    "/",
    "/money/",
    "/money/?format=csv",
    "/money/?format=xlsx",
    "/money/year/?party={party}",
    "/money/year/?party={party}&format=csv",
    "/money/year/?party={party}&format=xlsx",
]


@pytest.mark.parametrize("route", MONEY_ROUTES)
def test_money_pages_never_show_the_other_hospitals_contract(client_for, world, route):
    """The money panel, the contracts' table and the year view (and their downloads) take no id
    but the vendor of the year's filter: hospital A's admin naming hospital B's vendor gets A's
    own (empty) figures; B's admin, on the same URL, sees B's contract and payment."""
    import io
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone
    from openpyxl import load_workbook

    from weibao.assessments.paying import milestone_record
    from weibao.contracts.services import contract_create_from_template
    from weibao.contracts.template_loader import get_template

    today = timezone.localdate()
    contract_b = contract_create_from_template(
        actor=world["admin_b"],
        template=get_template("drg-wuhan"),
        hospital=world["contract_b"].hospital,
        vendor=world["contract_b"].vendor,
        start=today - timedelta(days=10),
        code="B-MONEY-2026",
    )
    milestone_record(
        actor=world["admin_b"],
        milestone=contract_b.payment_milestones.order_by("order").first(),
        paid_on=today,
        paid_amount=Decimal("12345.67"),
    )
    url = route.format(party=contract_b.vendor_id)

    def text(client) -> str:
        response = client.get(url)
        assert response.status_code == 200
        if "format=xlsx" in url:
            rows = load_workbook(io.BytesIO(response.content), read_only=True).active.iter_rows(
                values_only=True
            )
            return "\n".join(" ".join(str(v) for v in row) for row in rows)
        return response.content.decode("utf-8-sig")

    mine = text(client_for(world["admin_a"]))
    assert "B-MONEY-2026" not in mine and "12345.67" not in mine
    assert contract_b.vendor.name not in mine
    theirs = text(client_for(world["admin_b"]))
    assert ("B-MONEY-2026" in theirs) if "year" not in url else ("12345.67" in theirs)


def test_the_switchover_list_refuses_the_other_hospitals_contract(client_for, world):
    """The list takes its contract in the query string: another hospital's is a 404, and the
    list never shows the other hospital's plans."""
    from django.urls import reverse

    url = reverse("records:switchover_list")
    client = client_for(world["admin_a"])
    assert client.get(url, {"contract": world["contract_b"].pk}).status_code == 404
    assert "B 切换" not in client.get(url).content.decode()
    assert "B 切换" in client_for(world["admin_b"]).get(url).content.decode()


def test_the_emergency_chooser_refuses_the_other_hospitals_contract(client_for, world):
    """The new-report chooser takes its contract in the query string."""
    from django.urls import reverse

    url = reverse("duty:emergency_new")
    for what in ("incident", "plan"):
        query = {"contract": world["contract_b"].pk, "what": what}
        assert client_for(world["admin_a"]).get(url, query).status_code == 404
        assert client_for(world["admin_b"]).get(url, query).status_code == 302


def test_the_pdf_copy_of_the_other_hospitals_document_is_refused(client_for, world, monkeypatch):
    """A PDF copy is downloaded through the DOCX's route and checks: another hospital's is a 404."""
    from django.urls import reverse

    from weibao.documents.services import document_pdf_copy
    from weibao.testing.documents import FAKE_PDF, fake_libreoffice

    fake_libreoffice(monkeypatch)
    pdf = document_pdf_copy(world["document_b"].pk)
    assert pdf is not None and pdf.pdf_of == world["document_b"] and pdf.hospital == world["hospital_b"]
    url = reverse("documents:download", args=[pdf.pk])
    assert client_for(world["admin_a"]).get(url).status_code == 404
    got = client_for(world["admin_b"]).get(url)
    assert got.status_code == 200 and b"".join(got.streaming_content) == FAKE_PDF
