"""The navigation bar: apps register their entries here instead of editing the base template."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    label: Any  # a lazy translation string
    url_name: str
    order: int = 100
    visible: Callable[[Any], bool] = lambda user: True


_items: list[NavItem] = []


def register_nav(
    label: Any, url_name: str, *, order: int = 100, visible: Callable[[Any], bool] | None = None
) -> None:
    if any(item.url_name == url_name for item in _items):
        return
    _items.append(NavItem(label, url_name, order, visible or (lambda user: True)))
    _items.sort(key=lambda item: item.order)


def nav_for(user: Any, current_path: str) -> list[dict[str, Any]]:
    result = []
    for item in _items:
        if not item.visible(user):
            continue
        url = reverse(item.url_name)
        active = current_path == url if url == "/" else current_path.startswith(url)
        result.append({"label": item.label, "url": url, "active": active})
    return result
