"""Who sees the 交付物 entry of the menu (the rule itself is in accounts.permissions)."""

from __future__ import annotations

from typing import Any

from weibao.accounts import permissions


def sees_deliverables(user: Any) -> bool:
    return permissions.can_read_deliverables(user)


def sees_service_reports(user: Any) -> bool:
    """Everyone signed in: the vendor writes them, the departments and the IT staff sign them,
    auditors read them (each sees the reports the visibility rule gives them)."""
    return bool(getattr(user, "is_authenticated", False))
