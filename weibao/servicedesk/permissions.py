"""Who may do what to a ticket: the rules live in :mod:`weibao.accounts.permissions` (one place for
every "may this actor do X to Y"); the servicedesk's modules import them from here."""

from __future__ import annotations

from typing import Any

from weibao.accounts.permissions import (
    administered_org_ids,
    can_act_for_hospital,
    can_assign,
    can_assign_others,
    can_create_contracts,
    can_flag_ticket,
    can_import_tickets,
    can_move_ticket,
    can_reply_publicly,
    can_report,
    can_set_severity,
    can_work,
    can_work_contract,
    is_hospital_admin,
    is_vendor_manager,
    is_vendor_member,
    may_be_assigned,
    may_be_notified_of_ticket,
    require_reply_publicly,
    sees_internal,
)

from .workflow import HOSPITAL_ADMIN, HOSPITAL_USER, NO, NOBODY, SYSTEM, VENDOR, rule

__all__ = [
    "actor_kind",
    "administered_org_ids",
    "can_act_for_hospital",
    "can_assign",
    "can_assign_others",
    "can_create_contracts",
    "can_flag_ticket",
    "can_import_tickets",
    "can_move_ticket",
    "can_reply_publicly",
    "can_report",
    "can_set_severity",
    "can_take",
    "can_work",
    "can_work_contract",
    "is_hospital_admin",
    "is_vendor_manager",
    "is_vendor_member",
    "may_be_assigned",
    "may_be_notified_of_ticket",
    "require_reply_publicly",
    "sees_internal",
]


def actor_kind(user: Any, ticket: Any) -> str:
    """The kind of actor ``user`` is on ``ticket`` in :data:`.workflow.WHO`: the contract vendor's
    people, the hospital's admins, the reporter and the ticket's department users, or nobody; the
    system for no user. Someone of the vendor acts as the vendor (whose clocks they move)."""
    if user is None:
        return SYSTEM
    if is_vendor_member(user, ticket.contract.vendor_id):
        return VENDOR
    if is_hospital_admin(user, ticket.hospital_id):
        return HOSPITAL_ADMIN
    if can_act_for_hospital(user, ticket):
        return HOSPITAL_USER
    return NOBODY


def can_take(user: Any, ticket: Any, action: str) -> bool:
    """May ``user`` make ``action`` on ``ticket``, or ask the hospital for it (see :mod:`.workflow`)?"""
    return rule(action, actor_kind(user, ticket)) != NO
