"""Hospital A's users never see hospital B's organisation, memberships or audit records."""

from __future__ import annotations

import pytest

from weibao.accounts import services
from weibao.accounts.choices import Role
from weibao.accounts.models import Membership
from weibao.audit.models import AuditEvent
from weibao.audit.services import audit_record
from weibao.testing.factories import AuditorOrgFactory, CampusFactory, DepartmentFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_hospitals(hospital, other_hospital):
    admin_a = member(hospital, Role.HOSPITAL_ADMIN)
    admin_b = member(other_hospital, Role.HOSPITAL_ADMIN)
    dept_b = DepartmentFactory(hospital=other_hospital)
    CampusFactory(hospital=other_hospital)
    user_b = member(other_hospital, Role.DEPARTMENT_USER, department=dept_b)
    token_b, _raw = services.api_token_create(user=admin_b, name="b")
    event_b = audit_record(action="test.event", actor=admin_b, organization=other_hospital)
    return {
        "admin_a": admin_a,
        "admin_b": admin_b,
        "user_b": user_b,
        "token_b": token_b,
        "event_b": event_b,
        "membership_b": Membership.objects.get(user=user_b),
    }


def test_lists_do_not_include_the_other_hospital(client_for, hospital, other_hospital, two_hospitals):
    c = client_for(two_hospitals["admin_a"])
    org_ids = {o["id"] for o in c.get("/api/v1/organizations").json()["items"]}
    assert org_ids == {hospital.pk}
    member_orgs = {m["organization_id"] for m in c.get("/api/v1/memberships").json()["items"]}
    assert member_orgs == {hospital.pk}
    events = c.get("/api/v1/audit-events").json()["items"]
    assert events and all(e["organization_id"] in (hospital.pk, None) for e in events)
    assert two_hospitals["event_b"].pk not in {e["id"] for e in events}
    page = c.get("/orgs/").content.decode()
    assert hospital.name in page and other_hospital.name not in page
    audit_page = c.get("/audit/").content.decode()
    assert "test.event" not in audit_page


def test_auditor_sees_only_granted_hospitals(client_for, hospital, other_hospital, hospital_admin):
    auditor = member(AuditorOrgFactory(), Role.AUDITOR)
    c = client_for(auditor)
    assert c.get(f"/api/v1/organizations/{hospital.pk}").status_code == 404
    services.access_grant_create(actor=hospital_admin, user=auditor, hospital=hospital)
    c = client_for(auditor)  # a new request, so the scope is computed afresh
    assert c.get(f"/api/v1/organizations/{hospital.pk}").status_code == 200
    assert c.get(f"/api/v1/organizations/{other_hospital.pk}").status_code == 404


def test_visibility_rule_is_one_queryset_method(hospital, other_hospital):
    from weibao.accounts.models import Department

    user = member(hospital, Role.DEPARTMENT_USER)
    DepartmentFactory(hospital=other_hospital)
    visible = Department.objects.visible_to(user)
    assert set(visible.values_list("hospital_id", flat=True)) == {hospital.pk}
    assert AuditEvent.objects.visible_to(user).filter(organization=other_hospital).count() == 0
