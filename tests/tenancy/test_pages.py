"""Every page that takes an id refuses hospital B's objects."""

from __future__ import annotations

import pytest

from weibao.testing.tenancy import check_ui_isolation

from .world import switchover_untouched

pytestmark = pytest.mark.django_db


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
            "duty:drill_edit": {"pk": w["drill_b"].pk},
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
    assert len(checked) == 120
    switchover_untouched(w)
    w["service_report_b"].refresh_from_db()
    assert w["service_report_b"].state == "draft" and not w["service_report_b"].signer_name
    w["user_b"].refresh_from_db()
    assert w["user_b"].is_active
    w["probe_b"].refresh_from_db()  # still there, never run
    assert w["probe_b"].last_run_at is None and w["probe_b"].name == "B 探针"
