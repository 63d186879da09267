"""The permissions module as a table: every role × every action × own tenant and another tenant.

Two tenants, each a hospital with a department, a vendor holding a contract with the hospital, an
auditor organisation granted the hospital. The actor of each role belongs to tenant 1 (the
platform admin to the platform); "own" targets are tenant 1's, "other" targets tenant 2's.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from weibao.accounts import permissions as p
from weibao.accounts.choices import Role
from weibao.accounts.models import AccessGrant
from weibao.contracts.models import Contract
from weibao.servicedesk.models import Ticket
from weibao.testing.factories import (
    AuditorOrgFactory,
    DepartmentFactory,
    HospitalFactory,
    PlatformOrgFactory,
    VendorFactory,
    member,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    """Many accounts per test: a fast hasher (what is tested here is who may do what, not hashing)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


ROLES = [
    "platform_admin",
    "hospital_admin",
    "department_user",
    "vendor_manager",
    "vendor_engineer",
    "auditor",
]

#: action → the roles allowed it on their own tenant's object, and on another tenant's.
TABLE: dict[str, tuple[set[str], set[str]]] = {
    "administer_org": ({"platform_admin", "hospital_admin", "vendor_manager"}, {"platform_admin"}),
    "administer_user": ({"platform_admin", "hospital_admin", "vendor_manager"}, {"platform_admin"}),
    "add_existing_member": ({"platform_admin", "hospital_admin", "vendor_manager"}, {"platform_admin"}),
    "manage_contract": ({"platform_admin", "hospital_admin"}, {"platform_admin"}),
    "report": (
        {"platform_admin", "hospital_admin", "department_user", "vendor_manager", "vendor_engineer"},
        {"platform_admin"},
    ),
    "work": ({"platform_admin", "hospital_admin", "vendor_manager", "vendor_engineer"}, {"platform_admin"}),
    "assign_others": ({"platform_admin", "hospital_admin", "vendor_manager"}, {"platform_admin"}),
    "be_assigned": ({"hospital_admin", "vendor_manager", "vendor_engineer"}, set()),
    "reply_publicly": (
        {"platform_admin", "hospital_admin", "department_user", "vendor_manager", "vendor_engineer"},
        {"platform_admin"},
    ),
    "be_notified": (set(ROLES), {"platform_admin"}),
    "flag_ticket": ({"platform_admin", "hospital_admin"}, {"platform_admin"}),
    "set_severity": ({"platform_admin", "hospital_admin"}, {"platform_admin"}),
    "move_ticket": ({"platform_admin", "hospital_admin"}, {"platform_admin"}),
    "see_credentials": ({"platform_admin", "hospital_admin"}, {"platform_admin"}),
    "grant_auditor": ({"platform_admin", "hospital_admin"}, {"platform_admin"}),
    "edit_calendar": ({"platform_admin", "hospital_admin", "vendor_manager"}, {"platform_admin"}),
    "manage_robots": ({"platform_admin", "hospital_admin", "vendor_manager"}, {"platform_admin"}),
    "manage_monitoring": ({"platform_admin", "hospital_admin"}, {"platform_admin"}),
    "do_inspection": ({"vendor_manager", "vendor_engineer"}, set()),
    "sign_inspection_vendor": ({"vendor_manager", "vendor_engineer"}, set()),
    "sign_inspection_hospital": ({"hospital_admin"}, set()),
    "produce_deliverables": (
        {"platform_admin", "hospital_admin", "vendor_manager", "vendor_engineer"},
        {"platform_admin"},
    ),
    "sign_deliverables": ({"platform_admin", "hospital_admin"}, {"platform_admin"}),
    "manage_probes": (
        {"platform_admin", "hospital_admin", "vendor_manager", "vendor_engineer"},
        {"platform_admin"},
    ),
    "prepare_assessment": ({"platform_admin", "hospital_admin", "vendor_manager"}, {"platform_admin"}),
    "evaluate_assessment": ({"platform_admin", "hospital_admin"}, {"platform_admin"}),
    "record_payment": ({"platform_admin", "hospital_admin"}, {"platform_admin"}),
    "record_invoice": ({"platform_admin", "hospital_admin", "vendor_manager"}, {"platform_admin"}),
    "propose_team_change": ({"platform_admin", "hospital_admin", "vendor_manager"}, {"platform_admin"}),
    "consent_team_change": ({"platform_admin", "hospital_admin"}, {"platform_admin"}),
    "check_in_self": ({"vendor_manager", "vendor_engineer"}, set()),
    "request_leave_self": ({"vendor_manager", "vendor_engineer"}, set()),
    "decide_leave": ({"platform_admin", "hospital_admin"}, {"platform_admin"}),
    "evaluate_residents": ({"platform_admin", "hospital_admin"}, {"platform_admin"}),
    "organise_training": (
        {"platform_admin", "hospital_admin", "vendor_manager", "vendor_engineer"},
        {"platform_admin"},
    ),
    "keep_backup_records": (
        {"platform_admin", "hospital_admin", "vendor_manager", "vendor_engineer"},
        {"platform_admin"},
    ),
    "keep_service_records": (
        {"platform_admin", "hospital_admin", "vendor_manager", "vendor_engineer"},
        {"platform_admin"},
    ),
    "attend_training": (
        {"platform_admin", "hospital_admin", "department_user", "vendor_manager", "vendor_engineer"},
        {"platform_admin"},
    ),
    "manage_duty": ({"platform_admin", "hospital_admin", "vendor_manager"}, {"platform_admin"}),
    "stand_duty": ({"vendor_manager", "vendor_engineer"}, set()),
    "request_swap_own_shift": (
        {"platform_admin", "hospital_admin", "vendor_manager", "vendor_engineer"},
        {"platform_admin"},
    ),
    "request_swap_colleagues_shift": (
        {"platform_admin", "hospital_admin", "vendor_manager"},
        {"platform_admin"},
    ),
    "decide_swap": ({"platform_admin", "hospital_admin", "vendor_manager"}, {"platform_admin"}),
    "write_emergency": (
        {"platform_admin", "hospital_admin", "vendor_manager", "vendor_engineer"},
        {"platform_admin"},
    ),
    "sign_incident": ({"platform_admin", "hospital_admin"}, {"platform_admin"}),
    "keep_switchover": (
        {"platform_admin", "hospital_admin", "vendor_manager", "vendor_engineer"},
        {"platform_admin"},
    ),
    "sign_switchover_vendor": ({"vendor_manager", "vendor_engineer"}, set()),
    "sign_switchover_hospital": ({"hospital_admin"}, set()),
    "request_remote": ({"vendor_manager", "vendor_engineer"}, set()),
    "approve_remote": ({"platform_admin", "hospital_admin"}, {"platform_admin"}),
    "write_service_report": ({"vendor_manager", "vendor_engineer"}, set()),
    # The department user of the ticket's department signs; never the vendor or a platform admin.
    "sign_service_report": ({"hospital_admin", "department_user"}, set()),
    "print_service_report": (
        {"platform_admin", "hospital_admin", "department_user", "vendor_manager", "vendor_engineer"},
        {"platform_admin"},
    ),
}


def _tenant(n: int) -> SimpleNamespace:
    hospital, vendor, auditors = HospitalFactory(), VendorFactory(), AuditorOrgFactory()
    department = DepartmentFactory(hospital=hospital)
    contract = Contract.objects.create(
        code=f"C-{n}",
        title=f"合同 {n}",
        hospital=hospital,
        vendor=vendor,
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
        amount=Decimal("1000"),
    )
    people = {
        "hospital_admin": member(hospital, Role.HOSPITAL_ADMIN),
        "department_user": member(hospital, Role.DEPARTMENT_USER, department=department),
        "vendor_manager": member(vendor, Role.VENDOR_MANAGER),
        "vendor_engineer": member(vendor, Role.VENDOR_ENGINEER),
        "auditor": member(auditors, Role.AUDITOR),
    }
    AccessGrant.objects.create(user=people["auditor"], hospital=hospital)
    # A colleague of each role in the same organisation: the user an admin administers.
    colleagues = {
        "hospital": member(hospital, Role.DEPARTMENT_USER, department=department),
        "vendor": member(vendor, Role.VENDOR_ENGINEER),
        "auditor": member(auditors, Role.AUDITOR),
    }
    ticket = Ticket(
        hospital=hospital,
        contract=contract,
        department=department,
        reporter=None,
        title="工单",
        number=f"T{n}",
    )
    return SimpleNamespace(
        hospital=hospital,
        vendor=vendor,
        auditors=auditors,
        contract=contract,
        ticket=ticket,
        people=people,
        colleagues=colleagues,
        endpoint=SimpleNamespace(system=SimpleNamespace(hospital_id=hospital.pk)),
    )


def _side(role: str) -> str:
    return {"vendor_manager": "vendor", "vendor_engineer": "vendor", "auditor": "auditor"}.get(
        role, "hospital"
    )


def _org(t: SimpleNamespace, role: str):
    return {"vendor": t.vendor, "auditor": t.auditors, "hospital": t.hospital}[_side(role)]


def _answer(action: str, actor, role: str, t: SimpleNamespace) -> bool:
    """The permission module's answer for ``actor`` (of ``role``) on tenant ``t``'s object."""
    colleague = t.colleagues[_side(role)]
    grantee = t.colleagues["auditor"]
    return {
        "administer_org": lambda: p.can_administer_org(actor, _org(t, role)),
        "administer_user": lambda: p.can_administer_user(actor, colleague),
        "add_existing_member": lambda: (
            p.can_add_member(actor, _org(t, role), colleague)
            if role != "platform_admin"
            else p.can_add_member(actor, t.hospital, colleague)
        ),
        "manage_contract": lambda: p.can_manage_contract(actor, t.contract.hospital_id),
        "report": lambda: p.can_report(actor, t.contract),
        "work": lambda: p.can_work(actor, t.ticket),
        "assign_others": lambda: p.can_assign_others(actor, t.ticket),
        "be_assigned": lambda: p.may_be_assigned(actor, t.ticket),
        "reply_publicly": lambda: p.can_reply_publicly(actor, t.ticket),
        "be_notified": lambda: p.may_be_notified_of_ticket(actor, t.ticket),
        "flag_ticket": lambda: p.can_flag_ticket(actor, t.ticket),
        "set_severity": lambda: p.can_set_severity(actor, t.ticket),
        "move_ticket": lambda: p.can_move_ticket(actor, t.ticket, t.contract),
        "see_credentials": lambda: p.can_see_credentials(actor, t.endpoint),
        "grant_auditor": lambda: p.can_grant_auditor(actor, t.hospital, grantee),
        "edit_calendar": lambda: p.can_edit_calendar(actor, _org(t, role).pk),
        "manage_robots": lambda: p.can_manage_robots(actor, _org(t, role).pk),
        "manage_monitoring": lambda: p.can_manage_monitoring(actor, t.hospital.pk),
        "do_inspection": lambda: p.can_do_inspection(actor, t.contract),
        "sign_inspection_vendor": lambda: p.can_sign_inspection(actor, t.contract, "vendor"),
        "sign_inspection_hospital": lambda: p.can_sign_inspection(actor, t.contract, "hospital"),
        "manage_probes": lambda: p.can_manage_probes(actor, t.hospital.pk, t.contract),
        "prepare_assessment": lambda: p.can_prepare_assessment(actor, t.contract),
        "evaluate_assessment": lambda: p.can_evaluate_assessment(actor, t.contract),
        "record_payment": lambda: p.can_record_payment(actor, t.contract),
        "record_invoice": lambda: p.can_record_invoice(actor, t.contract),
        "produce_deliverables": lambda: p.can_produce_deliverables(actor, t.contract),
        "sign_deliverables": lambda: p.can_sign_deliverables(actor, t.contract),
        "propose_team_change": lambda: p.can_propose_team_change(actor, t.contract),
        "consent_team_change": lambda: p.can_consent_team_change(actor, t.contract),
        "check_in_self": lambda: p.can_check_in(actor, t.contract, getattr(actor, "pk", None)),
        "request_leave_self": lambda: p.can_request_leave(actor, t.contract, getattr(actor, "pk", None)),
        "decide_leave": lambda: p.can_decide_leave(actor, t.contract),
        "evaluate_residents": lambda: p.can_evaluate_residents(actor, t.contract),
        "organise_training": lambda: p.can_organise_training(actor, t.contract),
        "attend_training": lambda: p.can_attend_training(actor, t.contract),
        "keep_service_records": lambda: p.can_keep_service_records(actor, t.contract),
        "keep_backup_records": lambda: p.can_keep_backup_records(actor, t.hospital.pk, t.contract),
        "manage_duty": lambda: p.can_manage_duty(actor, t.contract),
        "stand_duty": lambda: p.may_stand_duty(actor, t.contract),
        "request_swap_own_shift": lambda: p.can_request_swap(actor, t.contract, actor.pk),
        "request_swap_colleagues_shift": lambda: p.can_request_swap(
            actor, t.contract, t.colleagues["vendor"].pk
        ),
        "decide_swap": lambda: p.can_decide_swap(actor, t.contract),
        "write_emergency": lambda: p.can_write_emergency(actor, t.contract),
        "sign_incident": lambda: p.can_sign_incident(actor, t.contract),
        "keep_switchover": lambda: p.can_keep_switchover(actor, t.contract),
        "sign_switchover_vendor": lambda: p.can_sign_switchover(actor, t.contract, "vendor"),
        "sign_switchover_hospital": lambda: p.can_sign_switchover(actor, t.contract, "hospital"),
        "request_remote": lambda: p.can_request_remote(actor, t.contract),
        "approve_remote": lambda: p.can_approve_remote(actor, t.contract),
        "write_service_report": lambda: p.can_write_service_report(actor, t.contract),
        "sign_service_report": lambda: p.can_sign_service_report(actor, t.contract, t.ticket.department_id),
        "print_service_report": lambda: p.can_print_service_report(actor, t.contract),
    }[action]()


@pytest.mark.parametrize("role", ROLES)
def test_role_by_action_by_tenant(role):
    own, other = _tenant(1), _tenant(2)
    actor = (
        member(PlatformOrgFactory(), Role.PLATFORM_ADMIN) if role == "platform_admin" else own.people[role]
    )
    wrong = []
    for action, (allowed_own, allowed_other) in TABLE.items():
        for tenant, allowed, label in ((own, allowed_own, "own"), (other, allowed_other, "other")):
            expected = role in allowed
            if _answer(action, actor, role, tenant) != expected:
                wrong.append(f"{role} {action} {label}: expected {expected}")
    assert not wrong, "\n".join(wrong)


def test_nobody_administers_a_platform_admin_or_an_account_without_membership_but_a_platform_admin():
    t = _tenant(1)
    platform = PlatformOrgFactory()
    root, other_root = member(platform, Role.PLATFORM_ADMIN), member(platform, Role.PLATFORM_ADMIN)
    from weibao.testing.factories import UserFactory

    orphan = UserFactory()
    superuser = UserFactory(is_superuser=True)
    for admin in (t.people["hospital_admin"], t.people["vendor_manager"]):
        for user in (root, orphan, superuser):
            assert not p.can_administer_user(admin, user)
            assert not p.can_add_member(admin, _org(t, "vendor_manager"), user)
    assert p.can_administer_user(other_root, root) and p.can_administer_user(other_root, orphan)


def test_a_user_of_two_organisations_needs_an_admin_of_both():
    t = _tenant(1)
    shared = t.colleagues["hospital"]
    from weibao.accounts.models import Membership

    Membership.objects.create(user=shared, organization=t.vendor, role=Role.VENDOR_ENGINEER)
    assert not p.can_administer_user(t.people["hospital_admin"], shared)
    assert not p.can_administer_user(t.people["vendor_manager"], shared)
    Membership.objects.create(
        user=t.people["hospital_admin"], organization=t.vendor, role=Role.VENDOR_MANAGER
    )
    admin = type(t.people["hospital_admin"]).objects.get(pk=t.people["hospital_admin"].pk)
    assert p.can_administer_user(admin, shared)


def test_grants_only_to_auditors_of_auditor_organisations_and_only_for_hospitals():
    t = _tenant(1)
    admin, grantee = t.people["hospital_admin"], member(t.auditors, Role.AUDITOR)
    assert p.can_grant_auditor(admin, t.hospital, grantee)
    assert p.can_grant_auditor(admin, t.contract, grantee)
    assert not p.can_grant_auditor(admin, t.vendor, grantee)  # not a hospital
    assert not p.can_grant_auditor(t.people["vendor_manager"], t.vendor, grantee)
    assert not p.can_grant_auditor(admin, t.hospital, t.colleagues["hospital"])  # not an auditor
    assert not p.can_grant_auditor(admin, t.hospital, None)


def test_a_ticket_moves_only_to_a_contract_of_its_own_hospital():
    own, other = _tenant(1), _tenant(2)
    admin = own.people["hospital_admin"]
    assert p.can_move_ticket(admin, own.ticket, own.contract)
    assert not p.can_move_ticket(admin, own.ticket, other.contract)  # another hospital's contract
    assert not p.can_move_ticket(other.people["hospital_admin"], own.ticket, other.contract)
    root = member(PlatformOrgFactory(), Role.PLATFORM_ADMIN)
    assert not p.can_move_ticket(root, own.ticket, other.contract)  # not even a platform admin


def test_a_department_user_hears_only_of_their_departments_tickets_and_their_own_reports():
    t = _tenant(1)
    doctor = t.people["department_user"]
    elsewhere = Ticket(
        hospital=t.hospital, contract=t.contract, department=DepartmentFactory(hospital=t.hospital), title="x"
    )
    assert not p.may_be_notified_of_ticket(doctor, elsewhere)
    elsewhere.reporter = doctor
    assert p.may_be_notified_of_ticket(doctor, elsewhere)
    assert p.can_assign(doctor, t.ticket, doctor) is False  # not on the working side
    engineer = t.people["vendor_engineer"]
    assert p.can_assign(engineer, t.ticket, engineer)  # takes it
    assert not p.can_assign(engineer, t.ticket, t.people["vendor_manager"])
    assert p.can_assign(t.people["vendor_manager"], t.ticket, engineer)
    assert p.can_assign(None, t.ticket, engineer)  # the system (an import)
    assert not p.can_assign(t.people["vendor_manager"], t.ticket, _tenant(2).people["vendor_engineer"])
