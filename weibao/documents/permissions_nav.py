"""Who sees the 文档模板 entry of the menu (the rule itself is in accounts.permissions)."""

from __future__ import annotations

from typing import Any

from weibao.accounts import permissions


def sees_templates(user: Any) -> bool:
    return bool(user.is_authenticated) and bool(permissions.template_hospital_ids(user))
