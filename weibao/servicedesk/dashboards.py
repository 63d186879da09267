"""The figures of the role home pages (我的工作台): counts, compliance and the 12-week trend.

Every figure is one SQL aggregation over the tickets (or their stored clock rows) the user may
see: nothing is counted by loading tickets into Python. Compliance is read from the clock rows
the clock engine stores (``TicketClock.status``): a settled clock is ``met`` or ``breached``, and
the rate is met ÷ (met + breached), per clock kind and in all. The window of the trend and of the
compliance tables is the last :data:`WEEKS` weeks (Monday to Sunday, Beijing time), counted by the
tickets opened in it, so a figure never changes because of a ticket opened long ago.

The 12-week figures move slowly and cost the most (seconds for a vendor manager over a million
tickets), so they are kept for ``settings.WEIBAO_TREND_SECONDS`` (default 10 minutes) per user and
scope generation, and the page says when they were computed; the live counts (open, at risk,
awaiting my confirmation) are read on every request through indexes. The clocks breached this
month and the engineers' workload are kept for ``settings.WEIBAO_DASHBOARD_SECONDS`` (a minute):
that count reads every clock breached in the month and a minute's delay changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from weibao.core.cache.fresh import kept
from weibao.core.tenancy import user_scope

from .choices import OPEN_STATES, ClockKind, ClockStatus, TicketState
from .models import Ticket, TicketClock

T = TypeVar("T")

#: Weeks in the trend chart and in the compliance tables.
WEEKS = 12
#: An open ticket whose next deadline falls within this long (or has passed) is at risk.
AT_RISK_WITHIN = timedelta(hours=4)

_ZONE = ZoneInfo(settings.TIME_ZONE)
_SETTLED = (ClockStatus.MET, ClockStatus.BREACHED)


def _open() -> list[str]:
    return sorted(OPEN_STATES)


def week_starts(now: datetime, weeks: int = WEEKS) -> list[datetime]:
    """The Mondays 00:00 (Beijing time) that start the last ``weeks`` weeks, oldest first; the
    last is the current week's."""
    local = now.astimezone(_ZONE)
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return [monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def month_start(now: datetime) -> datetime:
    return now.astimezone(_ZONE).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def percent(met: int, breached: int) -> float | None:
    """met ÷ (met + breached) in %, one decimal; None when no clock has settled."""
    settled = met + breached
    return round(100.0 * met / settled, 1) if settled else None


# --- live counts --------------------------------------------------------------------------------


def visible_tickets(user: Any) -> QuerySet[Ticket]:
    return Ticket.objects.visible_to(user)


def reported_by(user: Any) -> QuerySet[Ticket]:
    return Ticket.objects.reported_by(user)


def awaiting_confirmation(user: Any) -> QuerySet[Ticket]:
    """Tickets in 待确认 that ``user`` reported: their fix waits for the user's confirmation."""
    return reported_by(user).filter(state=TicketState.RESOLVED)


def my_todo_count(user: Any) -> int:
    """我的待办: open tickets assigned to the user plus those awaiting the user's confirmation."""
    return (
        visible_tickets(user).filter(assignee_id=user.pk, state__in=_open()).count()
        + awaiting_confirmation(user).count()
    )


def live_counts(user: Any, *, now: datetime | None = None) -> dict[str, int]:
    """Open tickets, those at risk (next deadline within :data:`AT_RISK_WITHIN` or passed), and
    clocks breached this month (Beijing time)."""
    now = now or timezone.now()
    visible = visible_tickets(user)
    # COUNT(*) over the open tickets alone: both answered from the partial index of open
    # tickets (``ticket_open_contract_idx``, or ``ticket_risk_idx`` by hospital) without the table.
    open_tickets = visible.filter(state__in=_open())
    figures = {
        "open": open_tickets.count(),
        "at_risk": open_tickets.filter(next_due_at__lte=now + AT_RISK_WITHIN).count(),
    }
    # A month's figure: kept for the same time (:func:`cached`), since it reads every clock
    # that breached this month and a minute's delay changes nothing a reader does with it.
    start = month_start(now)
    breached = cached(
        user,
        f"breached-{start:%Y%m}",
        lambda: TicketClock.objects.filter(
            status=ClockStatus.BREACHED, breached_at__gte=start, ticket__in=visible.values("pk")
        ).count(),
    )
    return {"open": figures["open"] or 0, "at_risk": figures["at_risk"] or 0, "breached_month": breached}


#: The columns a risk-board row shows: number, title, hospital, assignee, next deadline.
BOARD_FIELDS = (
    "number",
    "title",
    "state",
    "next_due_at",
    "hospital__name",
    "assignee__username",
    "assignee__display_name",
)


def at_risk_board(user: Any, *, limit: int = 10) -> list[Ticket]:
    """The open tickets nearest their next deadline (the risk board's first rows)."""
    return list(
        visible_tickets(user)
        .filter(state__in=_open(), next_due_at__isnull=False)
        .select_related("hospital", "assignee")
        # What a board row shows, no more (a ticket's and a user's other columns include JSON).
        .only(*BOARD_FIELDS)
        .order_by("next_due_at", "pk")[:limit]
    )


def my_day(user: Any, *, limit: int = 30) -> list[Ticket]:
    """An engineer's open tickets, the nearest deadline first (those without one last)."""
    return list(
        visible_tickets(user)
        .filter(assignee_id=user.pk, state__in=_open())
        .select_related("hospital")
        .prefetch_related("clocks")
        .order_by(F("next_due_at").asc(nulls_last=True), "pk")[:limit]
    )


def workload(user: Any) -> list[dict[str, Any]]:
    """Open tickets per engineer (assignee) among those the user sees, the busiest first."""
    rows = (
        visible_tickets(user)
        .filter(state__in=_open())
        .values("assignee_id", "assignee__username", "assignee__first_name", "assignee__last_name")
        .annotate(
            open=Count("pk"),
            at_risk=Count("pk", filter=Q(next_due_at__lte=timezone.now() + AT_RISK_WITHIN)),
        )
        .order_by("-open", "assignee__username")
    )
    return [
        {
            "name": _person(r["assignee__username"], r["assignee__first_name"], r["assignee__last_name"]),
            "open": r["open"],
            "at_risk": r["at_risk"],
        }
        for r in rows
    ]


def _person(username: str | None, first: str | None, last: str | None) -> str:
    if username is None:
        return "（未指派）"
    full = f"{last or ''}{first or ''}".strip()
    return full or username


# --- compliance and trend -------------------------------------------------------------------------


@dataclass
class ComplianceRow:
    """One row of a compliance table: met and breached clocks per kind and in all."""

    key: Any
    label: str
    met: int = 0
    breached: int = 0
    by_kind: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def percent(self) -> float | None:
        return percent(self.met, self.breached)

    def kind_percent(self, kind: str) -> float | None:
        met, breached = self.by_kind.get(kind, (0, 0))
        return percent(met, breached)

    @property
    def kinds(self) -> list[float | None]:
        return [self.kind_percent(k) for k in ClockKind.values]


def _clocks_of(tickets: QuerySet[Ticket]) -> QuerySet[TicketClock]:
    return TicketClock.objects.filter(status__in=_SETTLED, ticket__in=tickets.values("pk"))


def compliance(tickets: QuerySet[Ticket], *, by: str, label: str) -> list[ComplianceRow]:
    """Settled clocks of ``tickets`` grouped by the ticket field ``by`` (``contract``,
    ``contract__vendor``, ``assignee``), labelled by ``label`` (a field path of the group)."""
    group, name = f"ticket__{by}", f"ticket__{label}"
    rows = (
        _clocks_of(tickets)
        .values(group, name, "kind")
        .annotate(
            met=Count("pk", filter=Q(status=ClockStatus.MET)),
            breached=Count("pk", filter=Q(status=ClockStatus.BREACHED)),
        )
        .order_by(group, "kind")
    )
    table: dict[Any, ComplianceRow] = {}
    for r in rows:
        row = table.setdefault(r[group], ComplianceRow(key=r[group], label=r[name] or "（未指派）"))
        row.by_kind[r["kind"]] = (r["met"], r["breached"])
        row.met += r["met"]
        row.breached += r["breached"]
    return sorted(table.values(), key=lambda row: (row.percent is None, row.percent or 0, row.label))


def compliance_tables(tickets: QuerySet[Ticket]) -> dict[str, list[ComplianceRow]]:
    """:func:`compliance` by contract, by vendor and by engineer from one scan of the clocks
    (grouped by contract, engineer and kind; the few groups are folded here)."""
    rows = (
        _clocks_of(tickets)
        .values(
            "ticket__contract",
            "ticket__contract__title",
            "ticket__contract__vendor",
            "ticket__contract__vendor__name",
            "ticket__assignee",
            "ticket__assignee__username",
            "kind",
        )
        .annotate(
            met=Count("pk", filter=Q(status=ClockStatus.MET)),
            breached=Count("pk", filter=Q(status=ClockStatus.BREACHED)),
        )
        .order_by()
    )
    tables: dict[str, dict[Any, ComplianceRow]] = {"contract": {}, "vendor": {}, "engineer": {}}
    for r in rows:
        for name, key, label in (
            ("contract", r["ticket__contract"], r["ticket__contract__title"]),
            ("vendor", r["ticket__contract__vendor"], r["ticket__contract__vendor__name"]),
            ("engineer", r["ticket__assignee"], r["ticket__assignee__username"]),
        ):
            row = tables[name].setdefault(key, ComplianceRow(key=key, label=label or "（未指派）"))
            met, breached = row.by_kind.get(r["kind"], (0, 0))
            row.by_kind[r["kind"]] = (met + r["met"], breached + r["breached"])
            row.met += r["met"]
            row.breached += r["breached"]
    return {
        name: sorted(table.values(), key=lambda row: (row.percent is None, row.percent or 0, row.label))
        for name, table in tables.items()
    }


@dataclass
class Week:
    start: datetime
    opened: int
    closed: int
    met: int
    breached: int

    @property
    def percent(self) -> float | None:
        return percent(self.met, self.breached)

    @property
    def label(self) -> str:
        return self.start.strftime("%m-%d")


def trend(tickets: QuerySet[Ticket], *, now: datetime | None = None) -> list[Week]:
    """Per week of the last :data:`WEEKS`: tickets opened, tickets closed, and the settled clocks
    of the tickets opened that week (met and breached). Three queries of filtered counts."""
    now = now or timezone.now()
    starts = week_starts(now)
    bounds = [*starts[1:], now + timedelta(seconds=1)]
    windows = list(zip(starts, bounds, strict=True))
    opened = tickets.filter(created_at__gte=starts[0]).aggregate(
        **{
            f"w{i}": Count("pk", filter=Q(created_at__gte=a, created_at__lt=b))
            for i, (a, b) in enumerate(windows)
        }
    )
    closed = tickets.filter(closed_at__gte=starts[0]).aggregate(
        **{
            f"w{i}": Count("pk", filter=Q(closed_at__gte=a, closed_at__lt=b))
            for i, (a, b) in enumerate(windows)
        }
    )
    clocks = _clocks_of(tickets.filter(created_at__gte=starts[0])).aggregate(
        **{
            f"{s}{i}": Count(
                "pk", filter=Q(status=status, ticket__created_at__gte=a, ticket__created_at__lt=b)
            )
            for i, (a, b) in enumerate(windows)
            for s, status in (("m", ClockStatus.MET), ("b", ClockStatus.BREACHED))
        }
    )
    return [
        Week(
            start=a,
            opened=opened[f"w{i}"] or 0,
            closed=closed[f"w{i}"] or 0,
            met=clocks[f"m{i}"] or 0,
            breached=clocks[f"b{i}"] or 0,
        )
        for i, (a, _b) in enumerate(windows)
    ]


def window_tickets(user: Any, *, now: datetime | None = None) -> QuerySet[Ticket]:
    """The tickets the user sees that were opened in the compliance window."""
    return visible_tickets(user).filter(created_at__gte=week_starts(now or timezone.now())[0])


def cache_seconds(*, trend: bool = False) -> int:
    """How long the slow figures are kept (0 or less: not kept): the 12-week figures
    ``WEIBAO_TREND_SECONDS``, the others ``WEIBAO_DASHBOARD_SECONDS``."""
    if trend:
        return int(getattr(settings, "WEIBAO_TREND_SECONDS", 600))
    return int(getattr(settings, "WEIBAO_DASHBOARD_SECONDS", 60))


def cache_key(user: Any, part: str) -> str:
    """The key of one of ``user``'s slow figures. What the user sees is in it (the scope's
    hospitals and contracts, the user's organisations, roles and departments), so nobody reads
    figures of a view they no longer have, while a change elsewhere (another hospital's contract,
    anyone's membership) leaves them kept."""
    scope = user_scope(user)
    seen = (
        scope.everything,
        sorted(scope.hospital_ids),
        sorted(scope.contract_ids),
        sorted((m.organization_id, m.role, m.department_id or 0) for m in user.active_memberships()),
    )
    digest = hashlib.blake2b(repr(seen).encode(), digest_size=12).hexdigest()
    return f"wb:home:v2:{part}:{user.pk}:{digest}"


def cached(user: Any, part: str, compute: Callable[[], T], *, trend: bool = False) -> T:
    """``compute()``, kept per user and what they see (:func:`cache_key`) for :func:`cache_seconds`; once that has
    passed, one request computes it again while the others read the kept value
    (:func:`weibao.core.cache.fresh.kept`)."""
    return kept(cache_key(user, part), compute, cache_seconds(trend=trend))
