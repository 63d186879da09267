"""A user's saved ticket filters (the query strings of the list page they named)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import SavedFilter


def saved_filter_save(*, user: Any, name: str, query: str, replace: bool = False) -> SavedFilter:
    """Save ``query`` under ``name`` for ``user``. A name already taken is refused, unless
    ``replace`` (the list page's "save" button), which gives the name the new query."""
    with transaction.atomic():
        existing = SavedFilter.objects.select_for_update().filter(user=user, name=name).first()
        if existing is None:
            return SavedFilter.objects.create(user=user, name=name, query=query)
        if not replace:
            raise ValidationError({"name": _("同名筛选已存在。")})
        existing.query = query
        existing.save(update_fields=["query"])
        return existing


def saved_filter_delete(*, user: Any, saved_filter: SavedFilter) -> None:
    """Delete one of ``user``'s own saved filters."""
    if saved_filter.user_id != user.pk:
        raise ValidationError(_("只能删除自己的筛选。"))
    saved_filter.delete()
