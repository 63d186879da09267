"""Reads of the service desk: filtering, keyset pagination, the risk board."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_date, parse_datetime

from .choices import OPEN_STATES
from .models import Ticket

SORTS = {"recent": ("-created_at", "-id"), "risk": ("next_due_at", "id")}


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
    sort: str = "recent"

    @classmethod
    def from_params(cls, params: Any) -> TicketFilter:
        """From a QueryDict or dict; unknown or malformed values are ignored, never a 500."""

        def get(name: str) -> str | None:
            value = params.get(name)
            return value.strip() if isinstance(value, str) and value.strip() else None

        def integer(name: str) -> int | None:
            value = get(name)
            return int(value) if value and value.isdigit() else None

        def boolean(name: str) -> bool | None:
            value = (get(name) or "").lower()
            return (
                True
                if value in {"1", "true", "yes", "on"}
                else False
                if value in {"0", "false", "no"}
                else None
            )

        states = params.getlist("state") if hasattr(params, "getlist") else params.get("state")
        if isinstance(states, str):
            states = [s for s in states.split(",") if s]
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
            created_from=parse_date(get("created_from") or "") if get("created_from") else None,
            created_to=parse_date(get("created_to") or "") if get("created_to") else None,
            q=get("q"),
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
        if self.open is True:
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
        elif self.assignee and self.assignee.isdigit():
            qs = qs.filter(assignee_id=int(self.assignee))
        if self.breached is not None:
            qs = qs.filter(sla_breached=self.breached)
        zone = ZoneInfo(settings.TIME_ZONE)
        if self.created_from:
            qs = qs.filter(created_at__gte=datetime.combine(self.created_from, time.min, zone))
        if self.created_to:
            qs = qs.filter(
                created_at__lt=datetime.combine(self.created_to + timedelta(days=1), time.min, zone)
            )
        if self.q:
            qs = qs.filter(
                Q(number__icontains=self.q)
                | Q(title__icontains=self.q)
                | Q(description__icontains=self.q)
                | Q(caller_name__icontains=self.q)
            )
        if self.sort == "risk":
            qs = qs.filter(next_due_at__isnull=False, state__in=OPEN_STATES)
        return qs


def tickets_for(user: Any, flt: TicketFilter) -> QuerySet[Ticket]:
    qs = Ticket.objects.visible_to(user)
    return flt.apply(qs, user).order_by(*SORTS[flt.sort])


def encode_cursor(ticket: Ticket, sort: str) -> str:
    key = ticket.next_due_at if sort == "risk" else ticket.created_at
    raw = json.dumps([key.isoformat() if key else None, ticket.pk])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        key, pk = json.loads(raw)
        moment = parse_datetime(key)
        return (moment, int(pk)) if moment is not None else None
    except (ValueError, TypeError):
        return None


def keyset_page(
    qs: QuerySet[Ticket], *, sort: str, cursor: str | None, size: int
) -> tuple[list[Ticket], str | None]:
    """One page after ``cursor`` and the cursor of the next page (None at the end). Keyset
    pagination stays fast at page 10,000 where OFFSET would scan everything before it."""
    size = max(1, min(size, 200))
    position = decode_cursor(cursor) if cursor else None
    if position is not None:
        key, pk = position
        if sort == "risk":
            qs = qs.filter(Q(next_due_at__gt=key) | Q(next_due_at=key, id__gt=pk))
        else:
            qs = qs.filter(Q(created_at__lt=key) | Q(created_at=key, id__lt=pk))
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (encode_cursor(rows[-1], sort) if more and rows else None)
