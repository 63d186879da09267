"""What a department user may not read (contract money, the audit log) and what an auditor may
(the audit trail of the hospitals granted to them, nothing else)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from weibao.accounts import services as account_services
from weibao.accounts.choices import Role
from weibao.audit.services import audit_record
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.testing.factories import AuditorOrgFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract(hospital, vendor):
    return contract_create_from_template(
        actor=None,
        template=get_template("his-3y"),
        hospital=hospital,
        vendor=vendor,
        start=date(2026, 1, 1),
        amount=Decimal("876543.21"),
    )


def test_a_department_user_sees_what_the_contract_promises_not_what_it_costs(
    client_for, department_user, hospital_admin, contract
):
    dept, admin = client_for(department_user), client_for(hospital_admin)
    detail = f"/contracts/{contract.pk}/"
    assert "¥ 876543.21" in admin.get(detail).content.decode()
    assert "876543.21" in admin.get("/contracts/").content.decode()
    page = dept.get(detail).content.decode()
    assert "876543.21" not in page
    assert "付款节点" not in page and "服务项目" in page
    assert "876543.21" not in dept.get("/contracts/").content.decode()

    assert admin.get(f"/api/v1/contracts/{contract.pk}").json()["amount"] == "876543.21"
    assert dept.get(f"/api/v1/contracts/{contract.pk}").json()["amount"] is None
    for part in ("payment-milestones", "deduction-rules"):
        assert admin.get(f"/api/v1/contracts/{contract.pk}/{part}").status_code == 200
        refused = dept.get(f"/api/v1/contracts/{contract.pk}/{part}")
        assert refused.status_code == 403 and "科室用户" in refused.json()["detail"]


def test_the_audit_log_is_for_admins_and_auditors(
    client_for, department_user, hospital_admin, hospital, other_hospital
):
    mine = audit_record(action="test.here", actor=hospital_admin, organization=hospital)
    theirs = audit_record(action="test.there", actor=None, organization=other_hospital)
    dept = client_for(department_user)
    assert dept.get("/audit/").status_code == 403
    assert dept.get(f"/audit/{mine.pk}/").status_code == 403
    assert dept.get("/api/v1/audit-events").json()["items"] == []
    assert "审计日志" not in dept.get("/").content.decode()

    auditor = member(AuditorOrgFactory(), Role.AUDITOR)
    assert client_for(auditor).get("/audit/").status_code == 403
    account_services.access_grant_create(actor=hospital_admin, user=auditor, hospital=hospital)
    reader = client_for(auditor)
    page = reader.get("/audit/").content.decode()
    assert reader.get(f"/audit/{mine.pk}/").status_code == 200
    assert reader.get(f"/audit/{theirs.pk}/").status_code == 404
    ids = {e["id"] for e in reader.get("/api/v1/audit-events").json()["items"]}
    assert mine.pk in ids and theirs.pk not in ids
    assert "审计日志" in reader.get("/").content.decode() and "test.there" not in page
