"""The permission rules of the service's records: inspections, probes, assessments and payments,
duty, documents and deliverables, service reports, the service team and residents, training,
backups, switch-over plans, emergencies and remote access (see :mod:`weibao.accounts.permissions`
for the rules in words)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from ..choices import Role
from .base import (
    _authenticated,
    _deny,
    _memberships,
    can_report,
    can_work_contract,
    department_only,
    is_hospital_admin,
    is_vendor_manager,
    is_vendor_member,
)

if TYPE_CHECKING:
    from .base import Actor, ContractLike


# --- inspections ---------------------------------------------------------------------------------------


def can_do_inspection(actor: Actor, contract: ContractLike) -> bool:
    """Start an inspection, fill its items, open a ticket from an abnormal item, write the findings
    and sign for the vendor: the contract vendor's engineers and project managers, by membership."""
    return is_vendor_member(actor, contract.vendor_id)


def require_do_inspection(actor: Actor, contract: ContractLike) -> None:
    if not can_do_inspection(actor, contract):
        raise PermissionDenied(_("只有该合同厂商的工程师或项目经理可以填写巡检。"))


def can_sign_inspection(actor: Actor, contract: ContractLike, side: str) -> bool:
    """Sign an inspection for ``side``: ``vendor`` the contract vendor's people, ``hospital`` the
    hospital's IT staff (信息科 admins) by membership: never a platform admin for a hospital,
    never a department user or an auditor."""
    if side == "vendor":
        return can_do_inspection(actor, contract)
    if side == "hospital":
        return any(
            m.role == Role.HOSPITAL_ADMIN and m.organization_id == contract.hospital_id
            for m in _memberships(actor)
        )
    return False


# --- probes ------------------------------------------------------------------------------------------


def can_manage_probes(actor: Actor, hospital_id: int | None, contract: ContractLike | None) -> bool:
    """The probes of a maintained system (add, change, switch on or off, delete, run now): the
    hospital's admins, and the managers and engineers of the vendor whose contract covers the
    system. Not department users; auditors only read (through their grant)."""
    if is_hospital_admin(actor, hospital_id):
        return True
    return (
        contract is not None
        and contract.hospital_id == hospital_id
        and is_vendor_member(actor, contract.vendor_id)
    )


# --- assessments and payments ------------------------------------------------------------------------


def can_prepare_assessment(actor: Actor, contract: ContractLike) -> bool:
    """Open an assessment, recompute its facts, submit the self-assessment: the contract's vendor
    (its managers) and the hospital's admins."""
    return is_hospital_admin(actor, contract.hospital_id) or is_vendor_manager(actor, contract.vendor_id)


def can_evaluate_assessment(actor: Actor, contract: ContractLike) -> bool:
    """The hospital's evaluation: draw and mark the sample, waive a deduction, review, sign,
    reopen, decide on termination. The hospital's admins alone, never the vendor assessed."""
    return is_hospital_admin(actor, contract.hospital_id)


def can_record_payment(actor: Actor, contract: ContractLike) -> bool:
    """Mark a payment condition, the audited amount, the payment: the hospital's admins."""
    return is_hospital_admin(actor, contract.hospital_id)


def can_record_invoice(actor: Actor, contract: ContractLike) -> bool:
    """The invoice number: the vendor's manager who issues it, or the hospital's admins."""
    return is_hospital_admin(actor, contract.hospital_id) or is_vendor_manager(actor, contract.vendor_id)


# --- duty rosters ------------------------------------------------------------------------------------


def can_manage_duty(actor: Actor, contract: ContractLike) -> bool:
    """A contract's duty rosters (holiday plans, weekly patterns, shifts) are drawn up by the
    vendor's managers; the hospital's admins may draw them up too (they hold the vendor to them)."""
    return is_hospital_admin(actor, contract.hospital_id) or is_vendor_manager(actor, contract.vendor_id)


def require_manage_duty(actor: Actor, contract: ContractLike) -> None:
    if not can_manage_duty(actor, contract):
        raise _deny(None, _("只有厂商经理或医院管理员可以排班。"))


def may_stand_duty(user: Actor, contract: ContractLike) -> bool:
    """Who may be put on a contract's duty roster: the vendor's managers and engineers."""
    return is_vendor_member(user, contract.vendor_id)


def can_request_swap(actor: Actor, contract: ContractLike, engineer_id: int) -> bool:
    """Ask to hand a shift over: the engineer standing it, or whoever draws up the roster."""
    return (
        _authenticated(actor) and actor.pk == engineer_id and is_vendor_member(actor, contract.vendor_id)
    ) or can_manage_duty(actor, contract)


def can_decide_swap(actor: Actor, contract: ContractLike) -> bool:
    """Approve or refuse a swap: the vendor's managers and the hospital's admins."""
    return can_manage_duty(actor, contract)


# --- documents ----------------------------------------------------------------------------------------


def can_manage_document_templates(actor: Actor, hospital_id: int | None) -> bool:
    """Which DOCX template the hospital's documents are printed from (its own or Weibao's) is the
    hospital's choice: its admins make it."""
    return is_hospital_admin(actor, hospital_id)


def template_hospital_ids(actor: Actor) -> set[int]:
    """The hospitals whose document templates the actor manages (a platform admin: none by
    default here — they act for a hospital from its pages)."""
    return {m.organization_id for m in _memberships(actor) if m.role == Role.HOSPITAL_ADMIN}


def can_print_inspection_report(actor: Actor, contract: ContractLike) -> bool:
    """Print (and so archive) an inspection's report: those who do it (the contract vendor's
    people) and the hospital's admins who sign it."""
    return can_do_inspection(actor, contract) or is_hospital_admin(actor, contract.hospital_id)


def require_print_inspection_report(actor: Actor, contract: ContractLike) -> None:
    if not can_print_inspection_report(actor, contract):
        raise PermissionDenied(_("只有该合同厂商的人员或医院信息科可以生成巡检报告。"))


# --- deliverables ------------------------------------------------------------------------------------


def can_read_deliverables(actor: Actor) -> bool:
    """A contract's deliverables calendar and its archived files, for whoever sees the contract
    (the visibility rule: an auditor through their grant), except department users: the period's
    documents are the contract's business, not a ward's."""
    return _authenticated(actor) and department_only(actor) is None


def can_produce_deliverables(actor: Actor, contract: ContractLike) -> bool:
    """Print a period's documents from the records: the vendor's people (they hand them in) and
    the hospital's admins. Auditors only read."""
    return can_work_contract(actor, contract)


def can_sign_deliverables(actor: Actor, contract: ContractLike) -> bool:
    """Record that a produced document was signed (on paper, by whom, on which day): the
    hospital's admins, who receive it."""
    return is_hospital_admin(actor, contract.hospital_id)


# --- service reports (服务报告) -------------------------------------------------------------------


def can_write_service_report(actor: Actor, contract: ContractLike) -> bool:
    """A 服务报告 is written (and changed while unsigned) by the contract vendor's engineers and
    managers, by membership: it is their account of the service."""
    return is_vendor_member(actor, contract.vendor_id)


def require_write_service_report(actor: Actor, contract: ContractLike) -> None:
    if not can_write_service_report(actor, contract):
        raise PermissionDenied(_("只有该合同厂商的工程师或项目经理可以填写服务报告。"))


def can_sign_service_report(actor: Actor, contract: ContractLike, department_id: int | None) -> bool:
    """The user signs the report off (用户签字认可): the hospital's IT staff (信息科 admins) by
    membership, or a department user of the department served. Never the vendor, an auditor or a
    platform admin acting for a hospital."""
    for m in _memberships(actor):
        if m.organization_id != contract.hospital_id:
            continue
        if m.role == Role.HOSPITAL_ADMIN:
            return True
        if m.role == Role.DEPARTMENT_USER and department_id is not None and m.department_id == department_id:
            return True
    return False


def can_print_service_report(actor: Actor, contract: ContractLike) -> bool:
    """Print (and so archive) a 服务报告: the two sides of the contract, not auditors."""
    return _authenticated(actor) and can_report(actor, contract)


# --- the service team and resident engineers (驻场) ----------------------------------------------


def can_propose_team_change(actor: Actor, contract: ContractLike) -> bool:
    """The team a contract promises is the vendor's to staff: its managers propose members,
    replacements and removals (the hospital's admins may ask for a replacement too)."""
    return is_vendor_manager(actor, contract.vendor_id) or is_hospital_admin(actor, contract.hospital_id)


def can_consent_team_change(actor: Actor, contract: ContractLike) -> bool:
    """A change of the team needs the hospital's consent: its admins give or refuse it."""
    return is_hospital_admin(actor, contract.hospital_id)


def can_check_in(actor: Actor, contract: ContractLike, user_id: int | None) -> bool:
    """A resident engineer checks in and out for themselves only, and only while in the vendor."""
    return _authenticated(actor) and actor.pk == user_id and is_vendor_member(actor, contract.vendor_id)


def can_request_leave(actor: Actor, contract: ContractLike, user_id: int | None) -> bool:
    """The engineer asks for their own leave; the vendor's manager may ask for them."""
    if is_vendor_manager(actor, contract.vendor_id):
        return True
    return _authenticated(actor) and actor.pk == user_id and is_vendor_member(actor, contract.vendor_id)


def can_decide_leave(actor: Actor, contract: ContractLike) -> bool:
    """Leave of a resident engineer is granted by the hospital (seed 002: 需向医院请假)."""
    return is_hospital_admin(actor, contract.hospital_id)


def can_evaluate_residents(actor: Actor, contract: ContractLike) -> bool:
    """The hospital evaluates its resident engineers (医院定期对驻场人员的服务水平进行考评)."""
    return is_hospital_admin(actor, contract.hospital_id)


# --- training -------------------------------------------------------------------------------------


def can_organise_training(actor: Actor, contract: ContractLike) -> bool:
    """Sessions are given by the vendor's people; the hospital's IT staff may record them too."""
    return can_work_contract(actor, contract)


def can_attend_training(actor: Actor, contract: ContractLike) -> bool:
    """Anyone of the hospital or the vendor signs in to a session (not auditors)."""
    return _authenticated(actor) and can_report(actor, contract)


# --- the maintained systems' backup records ------------------------------------------------------


def can_keep_backup_records(actor: Actor, hospital_id: int | None, contract: ContractLike | None) -> bool:
    """Backup policies, checks and restore tests of a system: the hospital's admins, and the
    vendor whose contract covers the system (as for its probes)."""
    return can_manage_probes(actor, hospital_id, contract)


def can_keep_service_records(actor: Actor, contract: ContractLike) -> bool:
    """Meeting minutes and tuning records of a contract: the vendor's people and the hospital's
    IT staff who work it."""
    return can_work_contract(actor, contract)


def can_keep_switchover(actor: Actor, contract: ContractLike) -> bool:
    """Switch-over plans of a contract (the plan, its checklist, its data-sync checks): the
    vendor's people and the hospital's admins who run the parallel run together."""
    return can_work_contract(actor, contract)


def can_sign_switchover(actor: Actor, contract: ContractLike, side: str) -> bool:
    """Sign a switch-over plan off for ``side``: ``vendor`` the contract vendor's people,
    ``hospital`` the hospital's admins, by membership (never a platform admin for a side)."""
    if side == "vendor":
        return is_vendor_member(actor, contract.vendor_id)
    if side == "hospital":
        return any(
            m.role == Role.HOSPITAL_ADMIN and m.organization_id == contract.hospital_id
            for m in _memberships(actor)
        )
    return False


# --- emergency plans and incident reports --------------------------------------------------------------


def can_write_emergency(actor: Actor, contract: ContractLike) -> bool:
    """Emergency plans, drills and incident reports are written by the vendor's people and the
    hospital's admins (the hospital keeps its own plans too)."""
    return can_work_contract(actor, contract)


def require_write_emergency(actor: Actor, contract: ContractLike) -> None:
    if not can_write_emergency(actor, contract):
        raise _deny(None, _("只有厂商人员或医院管理员可以编写应急预案和应急报告。"))


def can_sign_incident(actor: Actor, contract: ContractLike) -> bool:
    """An incident report is signed off by the hospital's admins."""
    return is_hospital_admin(actor, contract.hospital_id)


# --- remote access register -----------------------------------------------------------------------------


def can_request_remote(actor: Actor, contract: ContractLike) -> bool:
    """A remote session into the hospital's system is asked for by the vendor's people."""
    return is_vendor_member(actor, contract.vendor_id)


def can_approve_remote(actor: Actor, contract: ContractLike) -> bool:
    """The hospital's admins let the vendor in (or not)."""
    return is_hospital_admin(actor, contract.hospital_id)


def works_the_service(actor: Actor) -> bool:
    """The menu entries of the service's running (duty, residency, backups, remote access…) are for
    the hospital's IT, the vendor's people and auditors; a department user reports and follows
    tickets and attends trainings, and does not need them."""
    return _authenticated(actor) and department_only(actor) is None
