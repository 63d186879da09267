"""``{% object_panels obj %}``: the panels apps above registered for ``obj``'s page."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from weibao.core.panels import object_panels as panels_of

register = template.Library()


@register.simple_tag(takes_context=True)
def object_panels(context: template.Context, obj: Any) -> SafeString:
    request = context.get("request")
    if request is None or obj is None:
        return mark_safe("")
    # Each panel is a rendered template (autoescaped where it was rendered).
    return mark_safe("".join(panels_of(request, obj)))
