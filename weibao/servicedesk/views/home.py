"""The service desk's panel on the home page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from ..choices import OPEN_STATES
from ..models import Ticket


def home_panel(request: HttpRequest) -> dict[str, Any] | None:
    """我的工作台: my open tickets and the ones closest to breach."""
    user = request.user
    visible = Ticket.objects.visible_to(user)
    mine = visible.filter(assignee=user, state__in=OPEN_STATES).count()
    at_risk = list(
        visible.filter(state__in=OPEN_STATES, next_due_at__isnull=False)
        .select_related("hospital")
        .prefetch_related("clocks")
        .order_by("next_due_at")[:5]
    )
    reported = list(visible.filter(reporter=user).order_by("-created_at")[:5])
    return {
        "title": _("工单"),
        "template": "servicedesk/panel_home.html",
        "mine": mine,
        "at_risk": at_risk,
        "reported": reported,
        "open_count": visible.filter(state__in=OPEN_STATES).count(),
    }
