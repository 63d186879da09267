"""The service desk's panels on the home page (我的工作台), one per role.

Each panel answers ``None`` for users without its role, so a user with two roles sees both. The
figures come from :mod:`weibao.servicedesk.dashboards`; the chart from :mod:`..charts`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from weibao.accounts.choices import Role
from weibao.audit.models import AuditEvent
from weibao.contracts.models import Contract

from .. import dashboards
from ..charts import trend_chart
from ..choices import OPEN_STATES, ClockKind

HOSPITAL_SIDE = (Role.HOSPITAL_ADMIN, Role.DEPARTMENT_USER)


def _kinds() -> list[str]:
    return [str(label) for label in ClockKind.labels]


def report_panel(request: HttpRequest) -> dict[str, Any] | None:
    """Those who report (the hospital side): 我要报修 first, what awaits my confirmation, my reports."""
    user = request.user
    if not user.has_role(*HOSPITAL_SIDE):
        return None
    awaiting = list(dashboards.awaiting_confirmation(user).order_by("-resolved_at", "-pk")[:10])
    return {
        "title": "",
        "template": "servicedesk/home/report.html",
        "wide": not user.has_role(Role.HOSPITAL_ADMIN),
        "todo": dashboards.my_todo_count(user),
        "awaiting": awaiting,
        "awaiting_count": dashboards.awaiting_confirmation(user).count(),
        "reported": list(dashboards.reported_by(user).order_by("-created_at", "-pk")[:5]),
    }


#: Rows shown of each compliance table: the lowest rates first (a manager has 200 contracts).
SHOWN = 10


def _figures(user: Any) -> dict[str, Any]:
    """The 12-week figures (trend chart and table, compliance tables) and when they were computed,
    kept for ``dashboards.cache_seconds(trend=True)``. The templates keep the HTML rendered from
    one computation in a ``{% cache %}`` block under ``figures_key`` (user, the computation's time,
    language), so each computation is rendered once."""

    def compute() -> dict[str, Any]:
        tables = dashboards.compliance_tables(dashboards.window_tickets(user))
        weeks = dashboards.trend(dashboards.visible_tickets(user))
        return {
            "weeks": weeks,
            "chart": trend_chart(weeks),
            "shown": SHOWN,
            "computed_at": timezone.now(),
            **{f"{name}_total": len(rows) for name, rows in tables.items()},
            **{f"by_{name}": rows[:SHOWN] for name, rows in tables.items()},
        }

    figures = dashboards.cached(user, "figures", compute, trend=True)
    seconds = dashboards.cache_seconds(trend=True)
    return {
        "figures": figures,
        # One computation of one user's figures (its time says which) rendered in one language.
        "figures_key": f"{user.pk}:{figures['computed_at'].timestamp():.6f}:{get_language()}",
        # A fragment outliving its figures is re-rendered from them, so it need not be kept
        # as long as they may be served: twice their freshness bounds what the cache holds.
        "figures_seconds": max(seconds * 2, 0),
    }


def hospital_panel(request: HttpRequest) -> dict[str, Any] | None:
    """Hospital admin: open, at risk, breached this month, compliance per contract and vendor, the
    12-week trend."""
    user = request.user
    if not user.has_role(Role.HOSPITAL_ADMIN):
        return None
    return {
        "title": _("本院服务概况"),
        "template": "servicedesk/home/hospital.html",
        "wide": True,
        "live": dashboards.live_counts(user),
        "kinds": _kinds(),
        "weeks_n": dashboards.WEEKS,
        **_figures(user),
    }


def vendor_panel(request: HttpRequest) -> dict[str, Any] | None:
    """Vendor manager, across all the vendor's hospitals: at risk now, compliance per contract and
    per engineer, workload per engineer."""
    user = request.user
    if not user.has_role(Role.VENDOR_MANAGER):
        return None
    return {
        "title": _("项目总览（全部医院）"),
        "template": "servicedesk/home/vendor.html",
        "wide": True,
        "live": dashboards.live_counts(user),
        "board": dashboards.at_risk_board(user),
        "workload": dashboards.cached(user, "workload", lambda: dashboards.workload(user)),
        "kinds": _kinds(),
        "weeks_n": dashboards.WEEKS,
        "now": timezone.now(),
        **_figures(user),
    }


def engineer_panel(request: HttpRequest) -> dict[str, Any] | None:
    """Engineer: my day, the nearest deadline first."""
    user = request.user
    if not user.has_role(Role.VENDOR_ENGINEER):
        return None
    return {
        "title": _("我的今天"),
        "template": "servicedesk/home/engineer.html",
        "wide": True,
        "tickets": dashboards.my_day(user),
        "todo": dashboards.my_todo_count(user),
        "now": timezone.now(),
    }


def auditor_panel(request: HttpRequest) -> dict[str, Any] | None:
    """Auditor: the contracts granted, their compliance, the audit trail."""
    user = request.user
    if not user.has_role(Role.AUDITOR):
        return None
    window = dashboards.window_tickets(user)
    return {
        "title": _("监理概况"),
        "template": "servicedesk/home/auditor.html",
        "wide": True,
        "contracts": list(
            Contract.objects.visible_to(user)
            .select_related("hospital", "vendor")
            .order_by("hospital__name", "code")[:50]
        ),
        "by_contract": dashboards.cached(
            user,
            "auditor",
            lambda: dashboards.compliance(window, by="contract", label="contract__title"),
        ),
        "events": list(AuditEvent.objects.visible_to(user).order_by("-at", "-pk")[:8]),
        "kinds": _kinds(),
        "weeks_n": dashboards.WEEKS,
    }


def home_panel(request: HttpRequest) -> dict[str, Any] | None:
    """Anyone else who sees tickets (a platform admin): the plain counts."""
    user = request.user
    if user.has_role(*HOSPITAL_SIDE, Role.VENDOR_MANAGER, Role.VENDOR_ENGINEER, Role.AUDITOR):
        return None
    visible = dashboards.visible_tickets(user)
    return {
        "title": _("工单"),
        "template": "servicedesk/panel_home.html",
        "mine": dashboards.my_todo_count(user),
        "open_count": visible.filter(state__in=sorted(OPEN_STATES)).count(),
        "at_risk": dashboards.at_risk_board(user, limit=5),
    }
