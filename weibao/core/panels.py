"""Panels an app above shows on a page of an app below, without the page's app importing it.

A lower floor's page (a ticket, an inspection) names itself by its object; an app above registers,
in its ``AppConfig.ready()``, a function that answers the panel for that object and the request
(or None, for a user who has nothing there). The page's template writes
``{% load weibao_panels %}{% object_panels ticket %}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

#: (request, object) → the panel's HTML, or None.
ObjectPanel = Callable[[HttpRequest, Any], str | None]
_panels: dict[str, list[tuple[int, ObjectPanel]]] = {}


def register_object_panel(model_label: str, fn: ObjectPanel, *, order: int = 100) -> None:
    """Show ``fn``'s panel on the pages of ``model_label`` objects (``"servicedesk.ticket"``)."""
    rows = _panels.setdefault(model_label.lower(), [])
    if all(existing is not fn for _, existing in rows):
        rows.append((order, fn))
        rows.sort(key=lambda pair: pair[0])


def object_panels(request: HttpRequest, obj: Any) -> list[str]:
    """The panels registered for ``obj``'s model, in order, leaving out those that answer None."""
    label = obj._meta.label_lower
    return [html for _, fn in _panels.get(label, []) if (html := fn(request, obj))]
