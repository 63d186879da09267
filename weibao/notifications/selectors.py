"""Reads of the notifications app: the inbox, preferences, and which robots hear an event."""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, Q

from .choices import PreferenceChannel
from .events import all_events
from .models import Notification, NotificationPreference, RobotWebhook


def inbox(*, user: Any, unread_only: bool = False):
    """The user's notifications, unread first, newest first within each."""
    qs = Notification.objects.visible_to(user).select_related("hospital")
    if unread_only:
        qs = qs.unread()
    unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    return qs.annotate(unread=unread).order_by("-unread", "-created_at", "-id")


def unread_count(*, user: Any) -> int:
    return Notification.objects.visible_to(user).unread().count()


def preference_matrix(*, user: Any) -> list[dict[str, Any]]:
    """Every event with the user's in-app and email switches (on unless switched off)."""
    off = set(
        NotificationPreference.objects.filter(user_id=user.pk, enabled=False).values_list("event", "channel")
    )
    return [
        {
            "event": info.code,
            "label": str(info.label),
            "in_app": (info.code, PreferenceChannel.IN_APP.value) not in off,
            "email": (info.code, PreferenceChannel.EMAIL.value) not in off,
        }
        for info in all_events()
    ]


def robots_for_event(*, event: str, hospital_id: int | None, contract: Any = None) -> list[RobotWebhook]:
    """The active robots that receive ``event`` about this hospital/contract: robots of a party
    (the hospital, the contract's hospital or vendor) that are not limited to one contract, and
    robots limited to exactly this contract. One query; the event filter runs in Python because
    SQLite cannot query inside JSON lists."""
    org_ids = {hospital_id} if hospital_id else set()
    q = Q(pk__in=[])
    if contract is not None:
        org_ids |= {contract.hospital_id, contract.vendor_id}
        q |= Q(contract_id=contract.pk)
    if org_ids:
        q |= Q(contract__isnull=True, organization_id__in=org_ids)
    robots = RobotWebhook.objects.filter(q, is_active=True)
    return [robot for robot in robots if event in (robot.events or [])]
