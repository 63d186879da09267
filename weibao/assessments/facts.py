"""A period's facts, computed from the records: each count keeps the ids behind it, so a page can
show the tickets or inspections it counts (drill-down).

Reads tickets and clocks through the service desk's selectors and inspections through the
inspections' selectors; the caller has checked who may see the contract. The result is plain
JSON (it is stored on the assessment and printed by ``weibao assess --json``).

What is counted (tickets reported in the period, ``[start, end)`` in Beijing time):

* tickets by category, severity and system; the closed ones are the sampling population;
* per clock kind (response, on-site, resolution), the clocks met and breached;
* per ``late_response`` rule, the tickets whose response took longer than the rule's threshold on
  the rule's calendar (see the reading in :mod:`weibao.assessments.deductions`);
* vendor-caused faults (因乙方原因, marked by the hospital) by severity and subsystem;
* adverse events (恶性事件, marked by the hospital);
* inspections due in the period: done, overdue, still planned.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from weibao.calendars.durations import parse_duration
from weibao.calendars.selectors import schedule_by_code
from weibao.contracts.models import Contract
from weibao.inspections.selectors import inspections_due
from weibao.servicedesk.choices import ClockKind, ClockStatus, TicketState
from weibao.servicedesk.models import Ticket
from weibao.servicedesk.selectors import clocks_of, contract_tickets_between

from .deductions import Fault
from .periods import Period


def _group(rows: Iterable[tuple[str, str, int]]) -> list[dict[str, Any]]:
    groups: dict[str, dict[str, Any]] = {}
    for key, label, pk in rows:
        g = groups.setdefault(key, {"key": key, "label": label, "count": 0, "ids": []})
        g["count"] += 1
        g["ids"].append(pk)
    return sorted(groups.values(), key=lambda g: (-g["count"], g["key"]))


def subsystem_of(contract: Contract, system_code: str | None) -> tuple[str, Decimal]:
    """The subsystem (name, amount) a ticket of ``system_code`` falls in: the subsystem of that
    system, else the contract's only subsystem, else the whole contract."""
    subsystems = contract.subsystems or []
    chosen = next((s for s in subsystems if system_code and s.get("system") == system_code), None)
    if chosen is None and len(subsystems) == 1:
        chosen = subsystems[0]
    if chosen is None:
        return "合同", Decimal(contract.amount)
    if chosen.get("amount") is not None:
        return str(chosen["name"]), Decimal(str(chosen["amount"]))
    share = Decimal(str(chosen.get("share_percent") or 0))
    return str(chosen["name"]), (Decimal(contract.amount) * share / 100).quantize(Decimal("0.01"))


def _schedule(contract: Contract, code: str) -> Any:
    """The rule's calendar: a built-in by code, or the template's own calendar of this hospital."""
    try:
        return schedule_by_code(code)
    except Http404:
        return schedule_by_code(f"{contract.hospital.short_code.lower()}-{code}"[:32])


STOPS = {"response": "responded_at", "onsite": "arrived_at", "resolution": "resolved_at"}


def _rule_clocks(rule: Mapping[str, Any]) -> list[str]:
    clocks = [str(rule.get("clock") or "response")]
    if rule.get("also_clock"):
        clocks.append(str(rule["also_clock"]))
    return clocks


def late_tickets(
    contract: Contract,
    rule: Mapping[str, Any],
    rows: list[dict[str, Any]],
    period_end: datetime,
    now: datetime,
) -> list[int]:
    """The tickets counted late by a ``late_response`` rule (once each)."""
    threshold = parse_duration(str(rule["threshold"])).seconds
    schedule = _schedule(contract, str(rule["calendar"]))
    until = min(now, period_end)
    clocks = _rule_clocks(rule)
    late = []
    for row in rows:
        if row["state"] == TicketState.CANCELLED:
            continue
        for clock in clocks:
            stop = row.get(STOPS[clock]) or until
            if schedule.elapsed(row["created_at"], stop) > threshold:
                late.append(row["id"])
                break
    return late


def late_candidates(tickets: QuerySet[Ticket], rule: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The tickets a ``late_response`` rule has to measure on its calendar, with their times.

    Open time on a calendar is never more than the time that passed, so a ticket whose clock
    stopped within the threshold (one second spared for the calendar's whole seconds) cannot be
    late: the database leaves those out. A quarter of 100,000 tickets is mostly such tickets, and
    loading every ticket's times was most of the facts' time."""
    clocks = _rule_clocks(rule)
    rows = tickets.exclude(state=TicketState.CANCELLED)
    if "onsite" not in clocks:  # the arrival is on the clock, not the ticket: measure them all
        within = timedelta(seconds=parse_duration(str(rule["threshold"])).seconds - 1)
        maybe_late = Q()
        for clock in clocks:
            stop = STOPS[clock]
            maybe_late |= Q(**{f"{stop}__isnull": True}) | Q(**{f"{stop}__gt": F("created_at") + within})
        rows = rows.filter(maybe_late)
    found: list[dict[str, Any]] = [
        dict(r)
        for r in rows.values("id", "state", "created_at", "responded_at", "resolved_at").order_by("id")
    ]
    if "onsite" in clocks:
        arrived = dict(
            clocks_of(tickets)
            .filter(kind=ClockKind.ONSITE, met_at__isnull=False)
            .values_list("ticket_id", "met_at")
        )
        for r in found:
            r["arrived_at"] = arrived.get(r["id"])
    return found


def compute_facts(
    contract: Contract, period: Period, rules: Iterable[Mapping[str, Any]], *, now: datetime | None = None
) -> dict[str, Any]:
    """The period's facts as JSON, for the deduction rules ``rules`` of the assessment."""
    now = now or timezone.now()
    lo, hi = period.bounds()
    tickets = contract_tickets_between(contract.pk, lo, hi)
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in tickets.values(
            "id",
            "number",
            "state",
            "category",
            "vendor_caused",
            "adverse_event",
            "severity__code",
            "severity__label",
            "system__code",
            "system__name",
        ).order_by("id")
    ]
    labels = dict(contract.terms.values_list("category", "item"))
    facts: dict[str, Any] = {
        "period": {"code": period.code, "start": period.start.isoformat(), "end": period.end.isoformat()},
        "computed_at": now.isoformat(),
        "tickets": {"count": len(rows), "ids": [r["id"] for r in rows]},
        "by_category": _group(
            (r["category"], labels.get(r["category"], r["category"]), r["id"]) for r in rows
        ),
        "by_severity": _group(
            (r["severity__code"] or "", r["severity__label"] or "未定级", r["id"]) for r in rows
        ),
        "by_system": _group(
            (r["system__code"] or "", r["system__name"] or "未指定系统", r["id"]) for r in rows
        ),
    }
    closed = [r["id"] for r in rows if r["state"] == TicketState.CLOSED]
    facts["closed"] = {"count": len(closed), "ids": closed}
    clock_rows = clocks_of(tickets).values_list("kind", "status", "ticket_id").order_by("ticket_id")
    per_kind: dict[str, dict[str, list[int]]] = defaultdict(lambda: {"met": [], "breached": []})
    for kind, status, ticket_id in clock_rows:
        if status == ClockStatus.MET:
            per_kind[kind]["met"].append(ticket_id)
        elif status == ClockStatus.BREACHED:
            per_kind[kind]["breached"].append(ticket_id)
    facts["clocks"] = [
        {
            "kind": kind.value,
            "label": str(kind.label),
            "met": len(per_kind[kind.value]["met"]),
            "breached": len(per_kind[kind.value]["breached"]),
            "met_ids": per_kind[kind.value]["met"],
            "breached_ids": per_kind[kind.value]["breached"],
        }
        for kind in ClockKind
    ]
    facts["late"] = {}
    for rule in rules:
        if rule.get("kind") != "late_response":
            continue
        ids = late_tickets(contract, rule, late_candidates(tickets, rule), hi, now)
        facts["late"][rule["code"]] = {
            "label": rule.get("name") or rule["code"],
            "threshold": rule["threshold"],
            "calendar": rule["calendar"],
            "count": len(ids),
            "ids": ids,
        }
    faults: list[dict[str, Any]] = []
    for r in rows:
        if r["vendor_caused"] and r["state"] != TicketState.CANCELLED:
            name, amount = subsystem_of(contract, r["system__code"])
            faults.append(
                {
                    "ticket": r["id"],
                    "severity": r["severity__code"],
                    "severity_label": r["severity__label"] or "未定级",
                    "subsystem": name,
                    "subsystem_amount": str(amount),
                }
            )
    facts["vendor_faults"] = {
        "count": len(faults),
        "ids": [f["ticket"] for f in faults],
        "items": faults,
        "by_severity": _group((f["severity"] or "", f["severity_label"], f["ticket"]) for f in faults),
        "by_subsystem": _group((f["subsystem"], f["subsystem"], f["ticket"]) for f in faults),
    }
    adverse = [r["id"] for r in rows if r["adverse_event"]]
    facts["adverse_events"] = {"count": len(adverse), "ids": adverse}
    due = inspections_due(
        contract, period.start, period.end - timedelta(days=1), today=timezone.localdate(now)
    )
    # ``status`` is the selector's annotation (done, overdue, started or planned).
    inspections: list[tuple[int, str]] = [(i.pk, str(getattr(i, "status", ""))) for i in due]
    by_status: dict[str, list[int]] = defaultdict(list)
    for pk, status in inspections:
        by_status[status].append(pk)
    facts["inspections"] = {
        "due": len(inspections),
        "due_ids": [pk for pk, _status in inspections],
        "done": len(by_status["done"]),
        "done_ids": by_status["done"],
        "overdue": len(by_status["overdue"]),
        "overdue_ids": by_status["overdue"],
    }
    return facts


def faults_of(facts: Mapping[str, Any]) -> list[Fault]:
    return [
        Fault(f["ticket"], f["severity"], f["subsystem"], Decimal(f["subsystem_amount"]), f["severity_label"])
        for f in facts["vendor_faults"]["items"]
    ]


def counts(facts: Mapping[str, Any]) -> dict[str, int]:
    """The facts' counts alone (the CLI's ``facts``)."""
    out = {
        "tickets": facts["tickets"]["count"],
        "closed": facts["closed"]["count"],
        "vendor_faults": facts["vendor_faults"]["count"],
        "adverse_events": facts["adverse_events"]["count"],
        "inspections_due": facts["inspections"]["due"],
        "inspections_done": facts["inspections"]["done"],
        "inspections_overdue": facts["inspections"]["overdue"],
    }
    for c in facts["clocks"]:
        out[f"{c['kind']}_met"] = c["met"]
        out[f"{c['kind']}_breached"] = c["breached"]
    for code, late in facts["late"].items():
        out[f"late:{code}"] = late["count"]
    for g in facts["by_category"]:
        out[f"category:{g['key']}"] = g["count"]
    for g in facts["by_severity"]:
        out[f"severity:{g['key'] or 'none'}"] = g["count"]
    return out
