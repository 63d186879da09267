"""The navigation bar: apps register their entries here instead of editing the base template.

An entry may name a group (``desk``, ``operations``, ``contracts``, ``admin``): the header shows a
group as one menu, so a role with twenty entries still gets one line. A group with a single entry
the user may see is shown as that entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: Any  # a lazy translation string
    url_name: str
    order: int = 100
    visible: Callable[[Any], bool] = lambda user: True
    group: str = ""


#: The header's menus: key → (label, place among the entries without a group).
GROUPS: dict[str, tuple[Any, int]] = {
    "desk": (_("变更"), 30),
    "operations": (_("运维"), 300),
    "contracts": (_("合同与考核"), 400),
    "admin": (_("管理"), 800),
}

_items: list[NavItem] = []


def register_nav(
    label: Any,
    url_name: str,
    *,
    order: int = 100,
    visible: Callable[[Any], bool] | None = None,
    group: str = "",
) -> None:
    if group and group not in GROUPS:
        raise ValueError(f"unknown navigation group {group!r}")
    if any(item.url_name == url_name for item in _items):
        return
    _items.append(NavItem(label, url_name, order, visible or (lambda user: True), group))
    _items.sort(key=lambda item: item.order)


@cache
def _url(url_name: str, script_prefix: str) -> str:
    """An entry's address, reversed once per URL prefix (the header is on every page)."""
    return reverse(url_name)


def _entry(item: NavItem, current_path: str) -> dict[str, Any]:
    url = _url(item.url_name, get_script_prefix())
    active = current_path == url if url == "/" else current_path.startswith(url)
    return {"label": item.label, "url": url, "active": active}


def nav_for(user: Any, current_path: str) -> list[dict[str, Any]]:
    """The header for ``user``: entries, and groups holding ``children`` entries, in order."""
    placed: list[tuple[int, dict[str, Any]]] = []
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in _items:
        if not item.visible(user):
            continue
        entry = _entry(item, current_path)
        if item.group:
            groups.setdefault(item.group, []).append(entry)
        else:
            placed.append((item.order, entry))
    for key, children in groups.items():
        label, order = GROUPS[key]
        if len(children) == 1:
            placed.append((order, children[0]))
        else:
            active = any(child["active"] for child in children)
            placed.append((order, {"label": label, "children": children, "active": active, "key": key}))
    placed.sort(key=lambda pair: pair[0])
    return [entry for _, entry in placed]


def flat(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every entry of ``nav_for``'s answer, groups opened."""
    return [child for entry in entries for child in entry.get("children", [entry])]
