"""The service desk's use of the clock engine: snapshot targets onto a ticket, evaluate its clocks
from its timeline, store the results so lists can sort by risk without recomputing."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from weibao.calendars.clocks import ClockDefinition, TimelineEntry, evaluate_clocks
from weibao.calendars.durations import parse_duration
from weibao.calendars.selectors import schedule_by_code
from weibao.contracts.targets import clock_target

from .choices import DONE_STATES, OPEN_STATES, ClockStatus, TicketState
from .models import Ticket, TicketClock, TicketEvent

STOP_EVENTS = {"response": "responded", "onsite": "arrived", "resolution": "resolved"}
#: The clock event of a remote session started on the ticket (:mod:`.remote`): it stops a clock
#: whose target says ``met_by: remote_session`` instead of that clock's usual event.
REMOTE_STARTED = "remote_started"
MET_BY = {"remote_session": REMOTE_STARTED}
DEFAULT_PAUSED = {
    "response": [],
    "onsite": [TicketState.WAITING_HOSPITAL],
    "resolution": [TicketState.WAITING_HOSPITAL],
}
WARN_FRACTION = 0.75
RESULT_FIELDS = (
    "status",
    "started_at",
    "due_at",
    "met_at",
    "breached_at",
    "elapsed",
    "target_seconds",
    "percent_used",
    "provisional",
    "evaluated_at",
    "warn_at",
)


def _due(target: dict[str, Any], start: datetime) -> datetime:
    schedule = schedule_by_code(target["calendar"])
    if target.get("within"):
        return schedule.add_duration(start, parse_duration(target["within"]))[0]
    return schedule.next_open(start)


def _stricter(candidates: list[dict[str, Any]], start: datetime) -> dict[str, Any]:
    """Of the term's and the severity's target, the one that falls due first (a severity tightens
    a service term; it never loosens it). Ties go to the later candidate (the severity)."""
    best = candidates[0]
    for candidate in candidates[1:]:
        if _due(candidate, start) <= _due(best, start):
            best = candidate
    return best


def snapshot_clocks(*, contract: Any, term: Any, severity: Any, start: datetime) -> list[dict[str, Any]]:
    """The clocks a new ticket gets, with targets copied from the contract as they are now."""
    rules = contract.clock_rules or {}
    specs = []
    for kind in ("response", "onsite", "resolution"):
        candidates = [
            t for t in (getattr(term, kind), getattr(severity, kind, None) if severity else None) if t
        ]
        start_event = ""
        if not candidates and kind == "onsite":
            escalations = [t for t in (term.escalate_onsite, getattr(severity, "escalate_onsite", None)) if t]
            candidates = [t for t in escalations if t.get("within") or t.get("immediate")]
            start_event = "escalated_onsite"
        if not candidates:
            continue
        target = _stricter(candidates, start)
        paused = (rules.get(kind) or {}).get("paused_in", DEFAULT_PAUSED[kind])
        specs.append(
            {
                "kind": kind,
                "target": target,
                "calendar": target["calendar"],
                "paused_in": list(paused),
                "start_event": start_event,
                "stop_event": MET_BY.get(str(target.get("met_by") or ""), STOP_EVENTS[kind]),
            }
        )
    return specs


def pauses_needing_agreement(
    clocks: Iterable[TicketClock], *, rules: dict[str, Any] | None, highest_severity: bool
) -> frozenset[str]:
    """The states the vendor may not put the ticket in alone, because a clock of it that is still
    to be met pauses there and the contract's clock rules do not give the vendor that pause
    (``vendor_may_pause``), or because the ticket is of the contract's highest severity (致命),
    whose clock never pauses without the hospital's agreement."""
    rules = rules or {}
    needed: set[str] = set()
    for clock in clocks:
        if clock.status in (ClockStatus.MET, ClockStatus.NOT_APPLICABLE, ClockStatus.PENDING):
            continue  # settled, or not started: it pauses nothing
        alone = set() if highest_severity else set((rules.get(clock.kind) or {}).get("vendor_may_pause", []))
        needed |= {state for state in clock.paused_in if state not in alone}
    return frozenset(needed)


def timeline_of(ticket: Ticket, events: Iterable[TicketEvent] | None = None) -> list[TimelineEntry]:
    if events is None:
        events = ticket.events.exclude(kind="created").only("at", "to_state", "clock_event")
    entries = [TimelineEntry(at=ticket.created_at, state=TicketState.NEW, event="created")]
    for e in events:
        if e.to_state or e.clock_event:
            entries.append(TimelineEntry(at=e.at, state=e.to_state or None, event=e.clock_event or None))
    entries.sort(key=lambda entry: entry.at)
    return entries


def _definition(clock: TicketClock) -> ClockDefinition:
    running = frozenset(OPEN_STATES) - frozenset(clock.paused_in)
    return ClockDefinition(
        name=clock.kind,
        schedule=schedule_by_code(clock.calendar),
        target=clock_target(clock.target),
        running_states=running,
        stop_event=clock.stop_event,
        start_event=clock.start_event or None,
    )


def refresh_clocks(
    ticket: Ticket,
    *,
    now: datetime | None = None,
    clocks: list[TicketClock] | None = None,
    events: Iterable[TicketEvent] | None = None,
    save: bool = True,
) -> list[TicketClock]:
    """Evaluate the ticket's clocks at ``now`` and store the results on the clocks and the ticket."""
    now = now or timezone.now()
    clocks = list(ticket.clocks.all()) if clocks is None else clocks
    if not clocks:
        ticket.next_due_at, ticket.sla_breached, ticket.sla_provisional = None, False, False
        if save:
            Ticket.objects.filter(pk=ticket.pk).update(
                next_due_at=None, sla_breached=False, sla_provisional=False
            )
        return clocks
    timeline = timeline_of(ticket, events)
    happened = {e.event for e in timeline if e.event}
    results = evaluate_clocks([_definition(c) for c in clocks], timeline, now)
    for clock in clocks:
        result = results[clock.kind]
        status: str = result.state
        if ticket.state == TicketState.CANCELLED and status not in (ClockStatus.MET, ClockStatus.BREACHED):
            status = ClockStatus.NOT_APPLICABLE
        elif (
            clock.kind == "onsite"
            and not clock.start_event
            and ticket.state in DONE_STATES
            and not happened & {"escalated_onsite", "arrived"}
            and status != ClockStatus.MET
        ):
            # An on-site promise ("紧急情况2小时内上门") binds only when a visit was needed: a
            # ticket resolved remotely never needed one.
            status = ClockStatus.NOT_APPLICABLE
        clock.status = status
        clock.started_at = result.started_at
        clock.due_at = result.due
        clock.met_at = result.met_at
        clock.breached_at = result.breached_at if status == ClockStatus.BREACHED else None
        clock.elapsed = max(0, int(result.elapsed))
        clock.target_seconds = result.target_seconds
        clock.percent_used = result.percent_used
        clock.provisional = bool(result.provisional)
        clock.evaluated_at = now
        clock.warn_at = _warn_at(clock, result, now)
        if status == ClockStatus.NOT_APPLICABLE:
            # A promise that never bound has no deadline (and must not drift with "now").
            clock.due_at = clock.warn_at = None
    open_clocks = [
        c
        for c in clocks
        if c.status in (ClockStatus.RUNNING, ClockStatus.PAUSED, ClockStatus.PENDING) and c.due_at is not None
    ]
    dues = [c.due_at for c in open_clocks if c.due_at is not None]
    ticket.next_due_at = min(dues, default=None) if ticket.is_open else None
    ticket.sla_breached = any(c.status == ClockStatus.BREACHED for c in clocks)
    ticket.sla_provisional = any(c.provisional for c in clocks if c.status != ClockStatus.NOT_APPLICABLE)
    if save:
        for clock in clocks:
            TicketClock.objects.filter(pk=clock.pk).update(
                **{name: getattr(clock, name) for name in RESULT_FIELDS}
            )
        Ticket.objects.filter(pk=ticket.pk).update(
            next_due_at=ticket.next_due_at,
            sla_breached=ticket.sla_breached,
            sla_provisional=ticket.sla_provisional,
        )
    return clocks


def _warn_at(clock: TicketClock, result: Any, now: datetime) -> datetime | None:
    """When 75 % of the target will have been used, if the clock keeps running from now."""
    if clock.status != ClockStatus.RUNNING or not result.target_seconds or clock.warned_at:
        return None
    threshold = math.ceil(result.target_seconds * WARN_FRACTION)
    if result.elapsed >= threshold:
        return now
    return schedule_by_code(clock.calendar).add(now, threshold - int(result.elapsed))[0]


def next_wakeup(ticket: Ticket, clocks: list[TicketClock]) -> datetime | None:
    """The next instant at which something about this ticket's clocks must be noticed."""
    instants = [c.warn_at for c in clocks if c.warn_at] + [
        c.due_at for c in clocks if c.due_at and c.status == ClockStatus.RUNNING and not c.breach_notified_at
    ]
    return min(instants, default=None)


def recompute(tickets: Iterable[Ticket], *, now: datetime | None = None) -> int:
    count = 0
    for ticket in tickets:
        refresh_clocks(ticket, now=now)
        count += 1
    return count


def recompute_for_years(years: frozenset[int]) -> int:
    """Statutory data for ``years`` changed: recompute open tickets whose clocks are provisional or
    run on a statutory calendar into those years."""
    first = min(years)
    clocks = TicketClock.objects.filter(
        Q(provisional=True) | Q(due_at__year__gte=first),
        ticket__state__in=OPEN_STATES | {TicketState.RESOLVED},
    )
    tickets = Ticket.objects.filter(pk__in=clocks.values("ticket_id")).prefetch_related("clocks")
    provisional_done = TicketClock.objects.filter(provisional=True).exclude(ticket__state__in=OPEN_STATES)
    tickets_done = Ticket.objects.filter(pk__in=provisional_done.values("ticket_id"))
    return recompute(tickets) + recompute(tickets_done)


def recompute_for_calendars(codes: Iterable[str]) -> int:
    """A calendar changed: recompute every ticket with a clock on it that is not settled."""
    clocks = TicketClock.objects.filter(calendar__in=list(codes)).exclude(
        status__in=[ClockStatus.NOT_APPLICABLE]
    )
    return recompute(Ticket.objects.filter(pk__in=clocks.values("ticket_id")))


def earliest_due(queryset: QuerySet[Ticket]) -> datetime | None:
    due: datetime | None = queryset.aggregate(m=Min("next_due_at"))["m"]
    return due
