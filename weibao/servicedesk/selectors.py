"""Reads of the service desk: filtering, keyset pagination, the risk board."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_date

from weibao.core.db import as_id
from weibao.core.pagination import cursor_page

from .choices import OPEN_STATES
from .models import Ticket, TicketClock

SORTS = {"recent": ("-created_at", "-id"), "risk": ("next_due_at", "id")}


class FilterError(ValueError):
    """A filter value that can mean nothing (an id that is not a number, an impossible date):
    the list answers 400 naming the filter rather than guessing."""

    def __init__(self, name: str, value: str) -> None:
        super().__init__(f"{name}={value!r}")
        self.name, self.value = name, value


@dataclass
class TicketFilter:
    """The list filters, shared by the pages, the API and the XLSX export."""

    hospital: int | None = None
    contract: int | None = None
    system: int | None = None
    state: list[str] | None = None
    open: bool | None = None
    category: str | None = None
    severity: int | None = None
    assignee: str | None = None  # a user id, "me" or "none"
    breached: bool | None = None
    created_from: date | None = None
    created_to: date | None = None
    q: str | None = None
    original_number: str | None = None
    sort: str = "recent"

    @classmethod
    def from_params(cls, params: Any) -> TicketFilter:
        """From a QueryDict or dict. Unknown names and an unknown sort are ignored; an id that
        is not a number of the database's range or a date that does not exist raises
        :class:`FilterError`."""

        def get(name: str) -> str | None:
            value = params.get(name)
            return value.strip() if isinstance(value, str) and value.strip() else None

        def integer(name: str) -> int | None:
            value = get(name)
            if value is None:
                return None
            if as_id(value) is None:
                raise FilterError(name, value)
            return as_id(value)

        def day(name: str) -> date | None:
            value = get(name)
            if value is None:
                return None
            try:
                parsed = parse_date(value)
            except ValueError:  # well formed, but no such day (2026-13-45)
                parsed = None
            if parsed is None:
                raise FilterError(name, value)
            return parsed

        def boolean(name: str) -> bool | None:
            value = (get(name) or "").lower()
            return (
                True
                if value in {"1", "true", "yes", "on"}
                else False
                if value in {"0", "false", "no"}
                else None
            )

        # A form sends every field: an empty one means "any", never "none".
        given = params.getlist("state") if hasattr(params, "getlist") else params.get("state")
        if isinstance(given, str):
            given = [given]
        states = [s.strip() for value in given or [] for s in str(value).split(",") if s.strip()]
        sort = get("sort") or "recent"
        return cls(
            hospital=integer("hospital"),
            contract=integer("contract"),
            system=integer("system"),
            state=list(states) if states else None,
            open=boolean("open"),
            category=get("category"),
            severity=integer("severity"),
            assignee=get("assignee"),
            breached=boolean("breached"),
            created_from=day("created_from"),
            created_to=day("created_to"),
            q=get("q"),
            original_number=get("original_number"),
            sort=sort if sort in SORTS else "recent",
        )

    def apply(self, qs: QuerySet[Ticket], user: Any) -> QuerySet[Ticket]:
        if self.hospital:
            qs = qs.filter(hospital_id=self.hospital)
        if self.contract:
            qs = qs.filter(contract_id=self.contract)
        if self.system:
            qs = qs.filter(system_id=self.system)
        if self.state:
            qs = qs.filter(state__in=self.state)
        if self.open is True and self.sort != "risk":  # the risk order implies it, see below
            qs = qs.filter(state__in=OPEN_STATES)
        elif self.open is False:
            qs = qs.exclude(state__in=OPEN_STATES)
        if self.category:
            qs = qs.filter(category=self.category)
        if self.severity:
            qs = qs.filter(severity_id=self.severity)
        if self.assignee == "me":
            qs = qs.filter(assignee_id=user.pk)
        elif self.assignee == "none":
            qs = qs.filter(assignee__isnull=True)
        elif self.assignee and as_id(self.assignee) is not None:
            qs = qs.filter(assignee_id=as_id(self.assignee))
        if self.breached is not None:
            qs = qs.filter(sla_breached=self.breached)
        zone = ZoneInfo(settings.TIME_ZONE)
        if self.created_from:
            qs = qs.filter(created_at__gte=datetime.combine(self.created_from, time.min, zone))
        if self.created_to:
            qs = qs.filter(
                created_at__lt=datetime.combine(self.created_to + timedelta(days=1), time.min, zone)
            )
        if self.original_number:
            qs = qs.filter(original_number=self.original_number)
        if self.q:
            qs = qs.filter(
                Q(number__icontains=self.q)
                | Q(original_number__icontains=self.q)
                | Q(title__icontains=self.q)
                | Q(description__icontains=self.q)
                | Q(caller_name__icontains=self.q)
            )
        if self.sort == "risk":
            # Only an open ticket has a next deadline (sla.refresh_clocks keeps it so): this one
            # condition selects the open tickets and matches the partial index ticket_due_idx,
            # which returns them in deadline order. A second, correlated condition on the state
            # makes the planner underestimate the rows and sort them all instead.
            qs = qs.filter(next_due_at__isnull=False)
        return qs


def tickets_for(user: Any, flt: TicketFilter) -> QuerySet[Ticket]:
    qs = Ticket.objects.visible_to(user)
    return flt.apply(qs, user).order_by(*SORTS[flt.sort])


# --- rows for the API ---------------------------------------------------------------------------
# The API answers with plain dicts read with ``values()``: building them costs a fraction of
# serialising model instances field by field, which dominated the list and detail requests.

TICKET_FIELDS = (
    "id",
    "number",
    "original_number",
    "hospital_id",
    "contract_id",
    "term_id",
    "category",
    "severity_id",
    "system_id",
    "module_id",
    "interface_id",
    "department_id",
    "title",
    "description",
    "channel",
    "reporter_id",
    "caller_name",
    "caller_department",
    "caller_phone",
    "location",
    "assignee_id",
    "state",
    "pending_action",
    "version",
    "created_at",
    "updated_at",
    "responded_at",
    "resolved_at",
    "closed_at",
    "solution",
    "root_cause",
    "rating",
    "rating_comment",
    "vendor_caused",
    "adverse_event",
    "next_due_at",
    "sla_breached",
    "sla_provisional",
)
CLOCK_FIELDS = (
    "kind",
    "status",
    "target",
    "calendar",
    "due_at",
    "met_at",
    "breached_at",
    "elapsed",
    "target_seconds",
    "percent_used",
    "provisional",
)


def _with_clocks(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from .models import TicketClock

    by_ticket: dict[int, list[dict[str, Any]]] = {row["id"]: [] for row in rows}
    if by_ticket:
        for clock in (
            TicketClock.objects.filter(ticket_id__in=list(by_ticket))
            .order_by("kind")
            .values("ticket_id", *CLOCK_FIELDS)
        ):
            by_ticket[clock.pop("ticket_id")].append(clock)
    for row in rows:
        row["clocks"] = by_ticket[row["id"]]
    return rows


def ticket_rows_page(
    qs: QuerySet[Ticket], *, cursor: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of API rows in the one cursor pagination (:func:`weibao.core.pagination.cursor_page`),
    in two queries: the tickets' columns, then their clocks. Raises ``BadCursor``."""
    rows, next_cursor = cursor_page(qs.values(*TICKET_FIELDS), cursor=cursor, limit=limit)
    return _with_clocks(rows), next_cursor


def ticket_payload(ticket: Ticket, clocks: list[Any] | None = None) -> dict[str, Any]:
    """One ticket as an API dict, from an instance already at hand and its clocks if known (a new
    ticket's, from :func:`.services.ticket_create_with_clocks`); else they are read."""
    row = {name: getattr(ticket, name) for name in TICKET_FIELDS}
    if clocks is None:
        return _with_clocks([row])[0]
    row["clocks"] = [
        {name: getattr(c, name) for name in CLOCK_FIELDS} for c in sorted(clocks, key=lambda c: c.kind)
    ]
    return row


def contract_tickets_between(contract_id: int, start: datetime, end: datetime) -> QuerySet[Ticket]:
    """A contract's tickets reported in ``[start, end)`` (aware instants): what a period's
    assessment counts. Not narrowed to a user: the caller has checked who may see the contract."""
    return Ticket.objects.filter(contract_id=contract_id, created_at__gte=start, created_at__lt=end)


def clocks_of(tickets: QuerySet[Ticket]) -> QuerySet[TicketClock]:
    """The SLA clocks of ``tickets``."""
    return TicketClock.objects.filter(ticket__in=tickets.values("pk"))
