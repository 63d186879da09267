"""The contexts the deliverables are printed from, read from the records of one contract's period.

Each builder returns the context its kind's template renders (``items`` are the table's rows, as
plain dicts keyed as in :data:`.kinds.COLUMNS`). The 记录单's rows are a generator read in chunks,
so a quarter of 100,000 tickets streams into the XLSX without being held in memory.

The records-based kinds (调优, 培训, 会议纪要) take plain rows: the app that keeps those records
registers a source with :func:`register_record_source` in its ``ready()``; until one does, the
period has no rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

from django.db import NotSupportedError
from django.db.models import CharField, F, Func, Q
from django.utils import timezone

from weibao.contracts.models import Contract
from weibao.contracts.models.contract import CATEGORY_CHOICES
from weibao.core.db.read_ahead import read_ahead
from weibao.inspections.choices import InspectionStatus
from weibao.inspections.selectors import inspections_due
from weibao.servicedesk.choices import EventKind, TicketState
from weibao.servicedesk.models import ChangeRequest, Ticket, TicketEvent
from weibao.servicedesk.workflow import TRANSITIONS

from .kinds import LABELS
from .periods import BEIJING, Period
from .schedule import Spec

#: Tickets a 记录单 reads at a time. PostgreSQL reads a chunk's moves by the (ticket, at) index
#: up to about a thousand tickets; at 2,000 it chose a parallel scan of every event (100,000
#: tickets with 518,000 events: 190 ms a chunk, against 30 ms for 1,000 by the index).
CHUNK = 1000
SIGNER_LABELS = {
    "vendor": "服务商（乙方）",
    "hospital": "医院（甲方）",
    "hospital_it": "信息科/信息中心",
    "department": "使用科室",
    "supervisor": "监理单位",
    "auditor": "审计单位",
}
CATEGORIES = dict(CATEGORY_CHOICES)
STATE_LABELS = dict(TicketState.choices)

RecordSource = Callable[[Contract, Period], list[dict[str, Any]]]
_record_sources: dict[str, RecordSource] = {}


def register_record_source(generator: str, source: RecordSource) -> None:
    """``source(contract, period)`` gives the rows of a records-based kind (``tuning``,
    ``training``, ``meetings``), each a dict with the keys of :data:`.kinds.COLUMNS`."""
    _record_sources[generator] = source


def _when(value: datetime | None) -> str:
    return timezone.localtime(value, BEIJING).strftime("%Y-%m-%d %H:%M") if value else ""


def _person(user: Any) -> str:
    return (user.display_name or user.username) if user is not None else ""


def header(contract: Contract, period: Period, spec: Spec, *, actor: Any, now: datetime) -> dict[str, Any]:
    """What every deliverable shows above and below its table."""
    signers = spec.signed_by or ("vendor", "hospital_it")
    return {
        "title": f"{period.label} {spec.name}",
        "hospital": contract.hospital.name,
        "vendor": contract.vendor.name,
        "contract_code": contract.code,
        "contract_title": contract.title,
        "period": period.label,
        "period_range": f"{period.start:%Y-%m-%d} 至 {period.last_day:%Y-%m-%d}",
        "produced_at": _when(now),
        "produced_by": _person(actor),
        "signature_line": "　　".join(f"{SIGNER_LABELS.get(s, s)}签字：________" for s in signers)
        + "　　日期：________",
    }


# --- 季度维保服务记录单 -----------------------------------------------------------------------------


class BeijingText(Func):
    """A timestamp as Beijing wall-clock text, formatted by the database. A quarter's 记录单 reads
    100,000 tickets and 500,000 moves: loading each time as a datetime and formatting it in Python
    was most of the rows' time. ``style`` is ``"minute"`` (2026-07-02 10:00) or ``"move"``
    (07-02 10:00). Beijing keeps +08:00 all year (SQLite is given the offset)."""

    output_field = CharField()
    FORMATS = {"minute": ("YYYY-MM-DD HH24:MI", "%Y-%m-%d %H:%M"), "move": ("MM-DD HH24:MI", "%m-%d %H:%M")}

    def __init__(self, field: str, style: str = "minute") -> None:
        self.style = style
        super().__init__(F(field))

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"to_char(({sql}) AT TIME ZONE %s, %s)", [*params, BEIJING.key, self.FORMATS[self.style][0]]

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"strftime(%s, {sql}, '+8 hours')", [self.FORMATS[self.style][1], *params]

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        raise NotSupportedError(f"BeijingText: {connection.vendor} is not supported")


def _handling(moves: list[tuple[str, str]], solution: str, labels: dict[str, str]) -> str:
    """The timeline in words: ``07-02 10:00 响应；07-02 11:30 解决``, then the solution."""
    text = "；".join(f"{at} {labels.get(action, action)}" for at, action in moves)
    if solution:
        text = f"{text}。解决方案：{solution}" if text else f"解决方案：{solution}"
    return text


def ticket_handling(moves: list[tuple[datetime, str]], solution: str = "") -> str:
    """The handling text of one ticket from its ``(at, action)`` moves (a 服务报告's)."""
    labels = {action: str(t.label) for action, t in TRANSITIONS.items()}
    return _handling(
        [(timezone.localtime(at, BEIJING).strftime("%m-%d %H:%M"), action) for at, action in moves],
        solution,
        labels,
    )


def _confirmation(state: str, closed_at: str | None, rating: int | None, states: dict[str, str]) -> str:
    if state == TicketState.CLOSED:
        rated = f"，评价 {rating} 分" if rating else ""
        return f"已确认 {closed_at or ''}{rated}"
    if state == TicketState.RESOLVED:
        return "待确认"
    return states.get(state, state)


def period_tickets(contract: Contract, period: Period) -> Any:
    """The contract's tickets reported in the period (by report time, Beijing days), in order."""
    return Ticket.objects.filter(
        contract=contract, created_at__gte=period.start_at, created_at__lt=period.end_at
    ).order_by("created_at", "pk")


#: What a 记录单 row reads of a ticket: plain values, no model instances (a quarter may hold
#: 100,000 tickets; building a model per ticket and per move was most of the time), its times
#: as text formatted by the database (:class:`BeijingText`).
FIELDS = (
    "pk",
    "number",
    "created_at",
    "department__name",
    "caller_department",
    "system__name",
    "module__name",
    "category",
    "title",
    "description",
    "solution",
    "state",
    "rating",
    "assignee__display_name",
    "assignee__username",
)
TIMES = {"date": "created_at", "responded": "responded_at", "resolved": "resolved_at", "closed": "closed_at"}


def _chunks(
    contract: Contract, period: Period
) -> Iterator[tuple[list[dict[str, Any]], dict[int, list[Any]]]]:
    """The period's tickets, :data:`CHUNK` at a time, paged on (report time, id), each chunk with
    its tickets' moves (ticket id → ``(time text, action)``)."""
    rows = (
        period_tickets(contract, period)
        .annotate(**{f"{name}_text": BeijingText(field) for name, field in TIMES.items()})
        .values(*FIELDS, *(f"{name}_text" for name in TIMES))
    )
    after: tuple[datetime, int] | None = None
    while True:
        page = rows
        if after is not None:
            page = page.filter(Q(created_at__gt=after[0]) | Q(created_at=after[0], pk__gt=after[1]))
        chunk = list(page[:CHUNK])
        if not chunk:
            return
        moves: dict[int, list[Any]] = defaultdict(list)
        events = (
            TicketEvent.objects.filter(ticket_id__in=[t["pk"] for t in chunk], kind=EventKind.TRANSITION)
            .exclude(action="")
            .annotate(at_text=BeijingText("at", "move"))
            .order_by("ticket_id", "at", "id")
            .values_list("ticket_id", "at_text", "action")
        )
        for ticket_id, at, action in events:
            moves[ticket_id].append((at, action))
        yield chunk, moves
        after = (chunk[-1]["created_at"], chunk[-1]["pk"])


def service_record_rows(contract: Contract, period: Period) -> Iterator[dict[str, Any]]:
    """One row per ticket of the period, read in chunks of :data:`CHUNK` with their moves (the
    moves' times as text), the next chunk read while this one is written (:func:`read_ahead`)."""
    # The labels are translated once, not once per ticket and move.
    labels = {action: str(t.label) for action, t in TRANSITIONS.items()}
    categories = {code: str(label) for code, label in CATEGORIES.items()}
    states = {code: str(label) for code, label in STATE_LABELS.items()}
    n = 0
    for chunk, moves in read_ahead(lambda: _chunks(contract, period)):
        for t in chunk:
            n += 1
            system = " / ".join(x for x in (t["system__name"], t["module__name"]) if x)
            yield {
                "n": n,
                "number": t["number"],
                "date": t["date_text"] or "",
                "department": t["department__name"] or t["caller_department"],
                "system": system,
                "category": categories.get(t["category"], t["category"]),
                "description": t["title"] + (f"：{t['description']}" if t["description"] else ""),
                "handling": _handling(moves.get(t["pk"], []), t["solution"], labels),
                "responded": t["responded_text"] or "",
                "resolved": t["resolved_text"] or "",
                "engineer": t["assignee__display_name"] or t["assignee__username"] or "",
                "confirmation": _confirmation(t["state"], t["closed_text"], t["rating"], states),
            }


# --- 巡检报告 -----------------------------------------------------------------------------------------


def inspection_items(contract: Contract, period: Period, *, today: date) -> list[dict[str, Any]]:
    """The period's inspections with their status. The checklist results, when inspections have
    them, go in each item as more keys (the template shows what it names)."""
    labels = dict(InspectionStatus.choices)
    rows = inspections_due(contract, period.start, period.last_day, today=today).select_related("done_by")
    return [
        {
            "n": n,
            "name": i.name,
            "sequence": i.sequence,
            "due": f"{i.due:%Y-%m-%d}",
            "status_code": i.status,  # type: ignore[attr-defined]
            "status": str(labels[i.status]),  # type: ignore[attr-defined]
            "done_at": _when(i.done_at),
            "done_by": _person(i.done_by),
            "mode": str(i.get_mode_display()),
        }
        for n, i in enumerate(rows, start=1)
    ]


def inspection_summary(items: list[dict[str, Any]]) -> dict[str, int]:
    counts = {"due": len(items), "done": 0, "overdue": 0, "planned": 0}
    for item in items:
        counts[item["status_code"]] += 1
    return counts


# --- 需求变更改造清单 ---------------------------------------------------------------------------------


def change_items(contract: Contract, period: Period) -> list[dict[str, Any]]:
    """The change requests raised in the period (no quote: the list is read by departments too)."""
    rows = (
        ChangeRequest.objects.filter(
            contract=contract, requested_at__gte=period.start_at, requested_at__lt=period.end_at
        )
        .select_related("system", "requested_by")
        .order_by("requested_at", "pk")
    )
    return [
        {
            "n": n,
            "title": c.title,
            "system": c.system.name if c.system else "",
            "requirement": c.requirement,
            "scope": "合同范围内" if c.in_scope else "合同范围外",
            "state": str(c.get_state_display()),
            "requested_by": _person(c.requested_by),
            "requested_on": f"{timezone.localtime(c.requested_at, BEIJING):%Y-%m-%d}",
            "deployed_on": f"{c.deployed_on:%Y-%m-%d}" if c.deployed_on else "",
        }
        for n, c in enumerate(rows, start=1)
    ]


def record_items(generator: str, contract: Contract, period: Period) -> list[dict[str, Any]]:
    source = _record_sources.get(generator)
    rows = source(contract, period) if source is not None else []
    return [{**row, "n": n} for n, row in enumerate(rows, start=1)]


def build_context(
    generator: str, contract: Contract, period: Period, spec: Spec, *, actor: Any, now: datetime
) -> dict[str, Any]:
    """The whole context of one deliverable (the 记录单's ``items`` as a list: the DOCX needs it
    all; the XLSX streams :func:`service_record_rows` itself)."""
    context = header(contract, period, spec, actor=actor, now=now)
    context.setdefault("title", f"{period.label} {LABELS[generator]}")
    if generator == "service_record":
        context["items"] = list(service_record_rows(contract, period))
    elif generator == "inspection_report":
        items = inspection_items(contract, period, today=timezone.localtime(now, BEIJING).date())
        context["items"], context["summary"] = items, inspection_summary(items)
    elif generator == "change_list":
        context["items"] = change_items(contract, period)
    else:
        context["items"] = record_items(generator, contract, period)
    return context
