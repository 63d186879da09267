"""Who sees the 交付物 entry of the menu (the rule itself is in accounts.permissions)."""

from __future__ import annotations

from typing import Any

from weibao.accounts import permissions


def sees_deliverables(user: Any) -> bool:
    return permissions.can_read_deliverables(user)
