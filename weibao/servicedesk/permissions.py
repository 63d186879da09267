"""Who may do what to a ticket. The visibility rule decides what a user sees at all; these
decide which sides of the workflow a user who sees the ticket may act on."""

from __future__ import annotations

from typing import Any

from weibao.accounts.choices import Role

from .workflow import ANY, HOSPITAL, WORK


def is_hospital_admin(user: Any, hospital_id: int) -> bool:
    return user.is_platform_admin or any(
        m.role == Role.HOSPITAL_ADMIN and m.organization_id == hospital_id for m in user.active_memberships()
    )


def is_vendor_member(user: Any, vendor_id: int) -> bool:
    return any(
        m.role in (Role.VENDOR_MANAGER, Role.VENDOR_ENGINEER) and m.organization_id == vendor_id
        for m in user.active_memberships()
    )


def is_vendor_manager(user: Any, vendor_id: int) -> bool:
    return any(
        m.role == Role.VENDOR_MANAGER and m.organization_id == vendor_id for m in user.active_memberships()
    )


def can_work(user: Any, ticket: Any) -> bool:
    """The vendor's people work tickets; the hospital's IT staff may act for them."""
    return is_hospital_admin(user, ticket.hospital_id) or is_vendor_member(user, ticket.contract.vendor_id)


def can_act_for_hospital(user: Any, ticket: Any) -> bool:
    """The reporter, their department and the hospital's admins confirm, rate and reopen."""
    if is_hospital_admin(user, ticket.hospital_id) or ticket.reporter_id == user.pk:
        return True
    return any(
        m.role == Role.DEPARTMENT_USER
        and m.organization_id == ticket.hospital_id
        and (ticket.department_id is None or m.department_id == ticket.department_id)
        for m in user.active_memberships()
    )


def can_take(user: Any, ticket: Any, side: str) -> bool:
    if side == WORK:
        return can_work(user, ticket)
    if side == HOSPITAL:
        return can_act_for_hospital(user, ticket)
    if side == ANY:
        return can_work(user, ticket) or can_act_for_hospital(user, ticket)
    return False


def can_assign(user: Any, ticket: Any) -> bool:
    return is_hospital_admin(user, ticket.hospital_id) or is_vendor_manager(user, ticket.contract.vendor_id)


def sees_internal(user: Any, ticket: Any) -> bool:
    """Internal notes are the vendor's and the IT department's working notes."""
    return can_work(user, ticket)
