"""The actors and the rules of organisations, users, auditors, contracts, tickets, calendars and
monitoring (see :mod:`weibao.accounts.permissions` for the rules in words)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from ..choices import ADMIN_ROLES, OrgKind, Role

if TYPE_CHECKING:
    from typing import TypeAlias, TypeGuard

    from django.contrib.auth.models import AnonymousUser
    from django.db.models import Model
    from typing_extensions import TypeIs

    from ..models import ApiToken, Membership, Organization, User

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
    from ..models import Membership

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
