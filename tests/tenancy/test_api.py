"""Every API route that takes an id refuses hospital B's objects; every list leaves them out."""

from __future__ import annotations

import pytest

from weibao.accounts.mfa import has_device
from weibao.accounts.models import Organization
from weibao.testing.tenancy import PARAM, api_operations, check_api_isolation

from .world import switchover_untouched

pytestmark = pytest.mark.django_db


#: Routes whose data is not owned by any hospital (China's statutory holidays).
NOT_TENANT_DATA = {
    "/api/v1/holidays/{year}",
    "/api/v1/contract-templates/{template_code}",
    # Multipart upload: the tenancy of the same route is checked in test_servicedesk.py
    "/api/v1/tickets/{ticket_id}/attachments",
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
            ("PUT", "/api/v1/duty/drills/{drill_id}"): {
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
    # Every route with an id in its path, but those of NOT_TENANT_DATA: a new route must join the
    # table (or the exempt list, said there) and this count.
    assert len(checked) == 145
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
    w["drill_b"].refresh_from_db()
    assert w["drill_b"].scenario != "x"
    w["remote_b"].refresh_from_db()
    assert w["remote_b"].state == "requested"
    w["service_report_b"].refresh_from_db()
    assert w["service_report_b"].state == "draft" and w["service_report_b"].handling != "改"
    assert "POST /api/v1/service-reports/{service_report_id}/print" in checked
    switchover_untouched(w)


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
