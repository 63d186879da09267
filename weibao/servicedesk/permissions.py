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

from .workflow import ANY, BOTH, HOSPITAL, NOBODY, WORK

__all__ = [
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
    "side_of",
]


def can_take(user: Any, ticket: Any, side: str) -> bool:
    """May ``user`` take a workflow move made by ``side`` (see :mod:`.workflow`)?"""
    if side == WORK:
        return can_work(user, ticket)
    if side == HOSPITAL:
        return can_act_for_hospital(user, ticket)
    if side == ANY:
        return can_work(user, ticket) or can_act_for_hospital(user, ticket)
    return False


def side_of(user: Any, ticket: Any) -> str:
    """The side of ``ticket`` that ``user`` may act for (:func:`.workflow.may_take` says which
    moves that allows): ``work``, ``hospital``, ``both`` or ``nobody``."""
    work, hospital = can_work(user, ticket), can_act_for_hospital(user, ticket)
    return BOTH if work and hospital else WORK if work else HOSPITAL if hospital else NOBODY
