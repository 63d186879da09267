"""Who may do what to whom: every rule of the form "may this actor do X to Y", in one place.

The visibility rule (:mod:`weibao.core.tenancy`, :mod:`weibao.accounts.visibility`) decides what
a user sees at all; the rules here decide what a user who sees something may do with it. Services
ask these functions (``can_*`` answers a question, ``require_*`` raises ``PermissionDenied`` with
a message for the user); views and API functions only hide buttons with them.

The rules, in words:

* **Organisations.** Platform admins create organisations and administer all of them; a hospital
  admin administers their hospital, a vendor manager their vendor.
* **Users.** An admin administers a user (resets the password, deactivates, unlocks, sees the
  user's page, adds the user to another of their organisations) only when they administer *every*
  organisation the user has ever been a member of. A platform admin (or superuser) is administered
  by platform admins alone, and a user with no membership by nobody else: so a vendor manager can
  never reach the platform admin's account, nor a user of another hospital. An admin therefore adds
  a new person to their organisation by creating the account; an existing account already in
  another organisation cannot be pulled in.
* **Contracts and the inventory** are the hospital's: its admins write them.
* **Auditors** (监理/审计) are read-only. Access is granted to them by the hospital's admins, for
  the hospital or one of its contracts, and only to users holding the auditor role in an
  organisation of the auditor kind.
* **Tickets.** The vendor's people work them and the hospital's IT staff may act for them; the
  reporter, their department and the hospital's admins act for the hospital. Public replies and
  attachments need one of those sides (never an auditor). Managers (the vendor's project manager,
  the hospital's admins) assign others; anyone on the working side may take a ticket themselves.
  Only the contract vendor's people and the hospital's admins may be assigned, and only people who
  may see a ticket are told about it.
* **Assessments and payments** are money (not for department users). The vendor's manager opens
  an assessment and submits the vendor's self-assessment; the evaluation (sample, marks, waivers,
  review, signature, reopening) is the hospital admins' alone. Payment records are the hospital
  admins'; the vendor's manager may enter the invoice number.
* **Endpoint credentials**: the hint of a stored credential (first and last character, length) is
  shown only to those who may change the endpoint, the hospital's admins.

The actor is a :class:`~weibao.accounts.models.User`, the anonymous user of a request, or None
(the system). Targets from the apps above accounts are described by the protocols below (a ticket
has ``hospital_id``, ``contract`` with ``vendor_id``, ``reporter_id`` and ``department_id``; a
contract ``hospital_id`` and ``vendor_id``), so this module imports nothing from those apps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .choices import ADMIN_ROLES, OrgKind, Role

if TYPE_CHECKING:
    from typing import TypeAlias, TypeGuard

    from django.contrib.auth.models import AnonymousUser
    from django.db.models import Model
    from typing_extensions import TypeIs

    from .models import ApiToken, Membership, Organization, User

    #: Who asks: a user, the anonymous user of a request, or None (the system, or nobody).
    Actor: TypeAlias = User | AnonymousUser | None

VENDOR_ROLES = frozenset({Role.VENDOR_MANAGER, Role.VENDOR_ENGINEER})


class PasswordChangeRequired(PermissionDenied):
    """The user must change their password before doing anything else."""

    code = "password_change_required"


class MfaRequired(PermissionDenied):
    """The session must give (or the user must enrol) a second factor first."""

    code = "mfa_required"


# --- what the targets look like -----------------------------------------------------------------------


class ContractLike(Protocol):
    """A contract: the hospital it serves and the vendor that holds it."""

    @property
    def hospital_id(self) -> int: ...
    @property
    def vendor_id(self) -> int: ...


class TicketLike(Protocol):
    """A ticket: its hospital, contract, reporter and department."""

    @property
    def hospital_id(self) -> int: ...
    @property
    def contract_id(self) -> int: ...
    @property
    def contract(self) -> ContractLike: ...
    @property
    def reporter_id(self) -> int | None: ...
    @property
    def department_id(self) -> int | None: ...


class SystemLike(Protocol):
    """A maintained system of the inventory: its hospital."""

    @property
    def hospital_id(self) -> int: ...


class EndpointLike(Protocol):
    """An endpoint of a maintained system."""

    @property
    def system(self) -> SystemLike: ...


# --- who the actor is --------------------------------------------------------------------------------


def _authenticated(actor: Actor) -> TypeGuard[User]:
    return actor is not None and getattr(actor, "is_authenticated", False) and actor.is_active


def _memberships(actor: Actor) -> list[Membership]:
    return actor.active_memberships() if _authenticated(actor) else []


def is_platform_admin(actor: Actor) -> bool:
    return _authenticated(actor) and actor.is_platform_admin


def administers(actor: Actor, organization_id: int | None) -> bool:
    """The actor administers the organisation (an admin role in it, or platform admin)."""
    if organization_id is None or not _authenticated(actor):
        return False
    return is_platform_admin(actor) or any(
        m.role in ADMIN_ROLES and m.organization_id == organization_id for m in _memberships(actor)
    )


def is_some_admin(actor: Actor) -> bool:
    """The actor administers at least one organisation."""
    return is_platform_admin(actor) or any(m.role in ADMIN_ROLES for m in _memberships(actor))


def administered_org_ids(actor: Actor) -> set[int] | None:
    """The organisations the actor administers; None for all of them (a platform admin)."""
    if is_platform_admin(actor):
        return None
    return {m.organization_id for m in _memberships(actor) if m.role in ADMIN_ROLES}


def is_hospital_admin(actor: Actor, hospital_id: int | None) -> bool:
    """A hospital admin (信息科) of that hospital, or a platform admin."""
    if hospital_id is None:
        return False
    return is_platform_admin(actor) or any(
        m.role == Role.HOSPITAL_ADMIN and m.organization_id == hospital_id for m in _memberships(actor)
    )


def is_vendor_member(actor: Actor, vendor_id: int | None) -> bool:
    return any(m.role in VENDOR_ROLES and m.organization_id == vendor_id for m in _memberships(actor))


def is_vendor_manager(actor: Actor, vendor_id: int | None) -> bool:
    return any(m.role == Role.VENDOR_MANAGER and m.organization_id == vendor_id for m in _memberships(actor))


def department_only(user: Actor) -> frozenset[int] | None:
    """The departments of a user who is nothing but a department user (they see their
    departments' tickets and the ones they reported); None for anyone else."""
    memberships = _memberships(user)
    if memberships and all(m.role == Role.DEPARTMENT_USER for m in memberships):
        return frozenset(m.department_id for m in memberships if m.department_id)
    return None


def sees_contract_money(actor: Actor) -> bool:
    """Contract amounts, payment milestones and deduction rules: for everyone who sees the
    contract except department users (they see what the contract promises, not what it costs)."""
    return _authenticated(actor) and department_only(actor) is None


def is_auditor(user: Actor) -> bool:
    """Holds the auditor role in an organisation of the auditor kind."""
    return any(m.role == Role.AUDITOR and m.organization.kind == OrgKind.AUDITOR for m in _memberships(user))


def _deny(message: str | None, default: str) -> PermissionDenied:
    return PermissionDenied(message or default)


# --- organisations -------------------------------------------------------------------------------------


def can_create_org(actor: Actor) -> bool:
    return is_platform_admin(actor)


def require_create_org(actor: Actor) -> None:
    if not can_create_org(actor):
        raise PermissionDenied(_("只有平台管理员可以创建机构。"))


def can_administer_org(actor: Actor, org: Organization | None) -> bool:
    """Change the organisation, its campuses, departments and members."""
    return administers(actor, org.pk if org is not None else None)


def require_administer_org(actor: Actor, org: Organization | None, message: str | None = None) -> None:
    if not can_administer_org(actor, org):
        raise _deny(message, _("只有本机构的管理员可以执行此操作。"))


def require_some_admin(actor: Actor) -> None:
    if not is_some_admin(actor):
        raise PermissionDenied(_("只有管理员可以管理成员。"))


# --- users -------------------------------------------------------------------------------------------


def user_org_ids(user: User) -> set[int]:
    """Every organisation the user is or was a member of (a deactivated membership still counts:
    its organisation may bring it back)."""
    from .models import Membership

    return set(Membership.objects.filter(user_id=user.pk).values_list("organization_id", flat=True))


def can_administer_user(actor: Actor, user: User | None) -> bool:
    """Reset the password, deactivate, unlock, view, add to another of the actor's organisations:
    only an admin of every organisation the user belongs to; a platform admin only by another."""
    if user is None or not _authenticated(actor):
        return False
    if is_platform_admin(actor):
        return True
    if user.is_superuser or user.is_platform_admin:
        return False
    orgs = user_org_ids(user)
    return bool(orgs) and all(administers(actor, org_id) for org_id in orgs)


def require_administer_user(actor: Actor, user: User | None) -> None:
    if not can_administer_user(actor, user):
        raise PermissionDenied(_("只有该用户所属全部机构的管理员可以执行此操作。"))


def can_view_user(actor: Actor, user: User | None) -> bool:
    """A user's own page, or the page of a user one administers."""
    return (
        user is not None
        and _authenticated(actor)
        and (actor.pk == user.pk or can_administer_user(actor, user))
    )


def can_add_member(actor: Actor, org: Organization, user: User | None = None) -> bool:
    """Give ``user`` (None: a new account) a membership of ``org``: an admin of ``org`` who also
    administers every organisation of an existing user."""
    if not can_administer_org(actor, org):
        return False
    return user is None or can_administer_user(actor, user)


def can_revoke_token(actor: Actor, token: ApiToken) -> bool:
    return _authenticated(actor) and (token.user_id == actor.pk or is_platform_admin(actor))


def require_revoke_token(actor: Actor, token: ApiToken) -> None:
    if not can_revoke_token(actor, token):
        raise PermissionDenied(_("只能吊销自己的令牌。"))


# --- auditors ---------------------------------------------------------------------------------------


def _hospital_of(target: ContractLike | Organization) -> int | None:
    """A contract's hospital, or the organisation itself if it is a hospital."""
    if hasattr(target, "vendor_id") and hasattr(target, "hospital_id"):
        return target.hospital_id
    if getattr(target, "kind", None) == OrgKind.HOSPITAL:
        return target.pk
    return None


def can_grant_auditor(actor: Actor, target: ContractLike | Organization, grantee: User | None) -> bool:
    """Grant ``grantee`` read access to ``target`` (a hospital or a contract): the hospital's
    admins, to a user with the auditor role in an auditor organisation. Never to a vendor's or
    the platform's organisation."""
    hospital_id = _hospital_of(target)
    return (
        hospital_id is not None
        and is_hospital_admin(actor, hospital_id)
        and grantee is not None
        and is_auditor(grantee)
    )


# --- contracts and inventory ----------------------------------------------------------------------


def can_manage_contract(actor: Actor, hospital_id: int | None) -> bool:
    """Contracts, their terms and the maintained-system inventory are the hospital's."""
    return is_hospital_admin(actor, hospital_id)


def require_manage_contract(actor: Actor, hospital_id: int | None, message: str | None = None) -> None:
    if not can_manage_contract(actor, hospital_id):
        raise _deny(message, _("只有医院管理员可以修改合同。"))


def can_create_contracts(actor: Actor) -> bool:
    """Offer the new-contract pages: platform admins and hospital admins (of some hospital)."""
    return is_platform_admin(actor) or any(m.role == Role.HOSPITAL_ADMIN for m in _memberships(actor))


def can_import_tickets(actor: Actor, contract: ContractLike) -> bool:
    """Historical tickets (the ledger import) are entered by the hospital's admins."""
    return is_hospital_admin(actor, contract.hospital_id)


def can_see_credentials_of_system(actor: Actor, system: SystemLike) -> bool:
    """The hints of a maintained system's endpoint credentials (first and last character, length):
    only those who may change the endpoints, the hospital's admins; not its other users, not the
    vendor, not auditors."""
    return can_manage_contract(actor, system.hospital_id)


def can_see_credentials(actor: Actor, endpoint: EndpointLike) -> bool:
    return can_see_credentials_of_system(actor, endpoint.system)


def can_report(actor: Actor, contract: ContractLike) -> bool:
    """Open a ticket under the contract: the hospital's people and the vendor's (not auditors)."""
    if actor is None:
        return True  # the system: imports, probes
    return is_platform_admin(actor) or any(
        m.role != Role.AUDITOR and m.organization_id in (contract.hospital_id, contract.vendor_id)
        for m in _memberships(actor)
    )


def can_work_contract(actor: Actor, contract: ContractLike) -> bool:
    """The vendor's people, and the hospital's IT staff acting for them."""
    return is_hospital_admin(actor, contract.hospital_id) or is_vendor_member(actor, contract.vendor_id)


# --- tickets ------------------------------------------------------------------------------------------


def _is_ticket(target: TicketLike | ContractLike) -> TypeIs[TicketLike]:
    return hasattr(target, "contract_id")


def _contract_of(target: TicketLike | ContractLike) -> ContractLike:
    """A ticket's contract, or the contract itself."""
    return target.contract if _is_ticket(target) else target


def can_work(actor: Actor, ticket: TicketLike | ContractLike) -> bool:
    """The vendor's people work tickets; the hospital's IT staff may act for them."""
    return can_work_contract(actor, _contract_of(ticket))


def can_act_for_hospital(actor: Actor, ticket: TicketLike) -> bool:
    """The reporter, their department and the hospital's admins confirm, rate and reopen."""
    if not _authenticated(actor):
        return False
    if is_hospital_admin(actor, ticket.hospital_id) or ticket.reporter_id == actor.pk:
        return True
    return any(
        m.role == Role.DEPARTMENT_USER
        and m.organization_id == ticket.hospital_id
        and (ticket.department_id is None or m.department_id == ticket.department_id)
        for m in _memberships(actor)
    )


def sees_internal(actor: Actor, ticket: TicketLike) -> bool:
    """Internal notes are the vendor's and the IT department's working notes."""
    return can_work(actor, ticket)


def can_reply_publicly(actor: Actor, ticket: TicketLike) -> bool:
    """Write a reply (or attach a file) the hospital sees: a side of the ticket, never an auditor."""
    return can_work(actor, ticket) or can_act_for_hospital(actor, ticket)


def require_reply_publicly(actor: Actor, ticket: TicketLike) -> None:
    if not can_reply_publicly(actor, ticket):
        raise PermissionDenied(_("您只能查看此工单，不能回复。"))


def can_assign_others(actor: Actor, target: TicketLike | ContractLike) -> bool:
    """The vendor's project managers and the hospital's admins assign tickets to others."""
    contract = _contract_of(target)
    return is_hospital_admin(actor, contract.hospital_id) or is_vendor_manager(actor, contract.vendor_id)


def may_be_assigned(user: Actor, target: TicketLike | ContractLike) -> bool:
    """Who may hold a ticket of this contract: the contract vendor's managers and engineers, and the
    hospital's admins (信息科), by membership: nobody of another organisation."""
    if not _authenticated(user):
        return False
    contract = _contract_of(target)
    return any(
        (m.role in VENDOR_ROLES and m.organization_id == contract.vendor_id)
        or (m.role == Role.HOSPITAL_ADMIN and m.organization_id == contract.hospital_id)
        for m in _memberships(user)
    )


def can_assign(actor: Actor, target: TicketLike | ContractLike, user: User) -> bool:
    """May ``actor`` make ``user`` the assignee of ``target`` (a ticket, or the contract of a ticket
    being created)? ``actor`` None is the system (imports)."""
    if not may_be_assigned(user, target):
        return False
    if actor is None:
        return True
    if actor.pk == user.pk:
        return True  # taking it oneself (the user is on the working side)
    return can_assign_others(actor, target)


def may_be_notified_of_ticket(user: Actor, ticket: TicketLike) -> bool:
    """Only people who may see a ticket hear about it: the visibility rule, narrowed for department
    users as the ticket list narrows it (their department's tickets and the ones they reported)."""
    if not _authenticated(user):
        return False
    if is_platform_admin(user) or can_work(user, ticket):
        return True  # the working side (the vendor's people, the hospital's admins) sees it all
    from weibao.core.tenancy import scope_sees, user_scope

    model = cast("type[Model]", type(ticket))  # a ticket is a model; the protocol cannot say so
    if not scope_sees(model, user_scope(user), ticket.hospital_id, ticket.contract_id):
        return False
    departments = department_only(user)
    if departments is not None:
        return ticket.department_id in departments or ticket.reporter_id == user.pk
    return True


def can_move_ticket(actor: Actor, ticket: TicketLike, target: ContractLike | None = None) -> bool:
    """Move a ticket to another contract (工单转合同): the hospital's admins, and only to another
    contract of the same hospital. Never the vendor: a vendor would move its own clocks away."""
    if not is_hospital_admin(actor, ticket.hospital_id):
        return False
    return target is None or target.hospital_id == ticket.hospital_id


def can_flag_ticket(actor: Actor, ticket: TicketLike) -> bool:
    """因乙方原因 and 恶性事件 are the hospital's judgement."""
    return is_hospital_admin(actor, ticket.hospital_id)


def can_set_severity(actor: Actor, ticket: TicketLike) -> bool:
    """A ticket's fault class (故障等级) sets its clocks: the hospital's admins decide it, never
    the vendor whose clocks it sets."""
    return is_hospital_admin(actor, ticket.hospital_id)


# --- calendars, robots, holidays ---------------------------------------------------------------------


def can_edit_calendar(actor: Actor, owner_id: int | None) -> bool:
    """Built-in calendars (no owner) are the platform's; an organisation's, its admins'."""
    return is_platform_admin(actor) or (owner_id is not None and administers(actor, owner_id))


def can_manage_robots(actor: Actor, organization_id: int | None) -> bool:
    """Group robots are their organisation's: its admins manage them."""
    return administers(actor, organization_id)


def can_maintain_holidays(actor: Actor) -> bool:
    """China's statutory holidays are the platform's data."""
    return is_platform_admin(actor)


# --- the hospital's monitoring -----------------------------------------------------------------------


def can_manage_monitoring(actor: Actor, hospital_id: int | None) -> bool:
    """The tokens a hospital's Zabbix or Alertmanager sends, and which host or label is which
    system, are the hospital's: its admins manage them."""
    return is_hospital_admin(actor, hospital_id)


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
