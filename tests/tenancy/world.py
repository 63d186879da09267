"""Hospital B's world: an object of every kind any route can address, for the tenancy cases."""

from __future__ import annotations

from typing import Any

from weibao.accounts import services as account_services
from weibao.accounts.choices import Role
from weibao.accounts.models import Membership
from weibao.audit.services import audit_record
from weibao.calendars import services as calendar_services
from weibao.testing.factories import CampusFactory, DepartmentFactory, member
from weibao.testing.mfa import totp_device


def build_world(hospital, other_hospital) -> dict[str, Any]:
    """Hospital A's admin, and hospital B with one of everything; returned by name."""
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


def switchover_untouched(w):
    """Hospital B's switch-over plan as B left it: no other item, check, edit or signature."""
    plan = w["switchover_b"]
    plan.refresh_from_db()
    assert plan.title == "B 切换" and not plan.frozen and plan.contract == w["contract_b"]
    assert plan.items.count() == 1 and not plan.items.get().done and plan.checks.count() == 1
    assert not plan.__class__.objects.filter(title="x").exists()
