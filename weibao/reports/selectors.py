"""Reads of the deliverables: a contract's calendar with each due document's state and files."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from weibao.contracts.models import Contract
from weibao.documents.models import GeneratedDocument

from .choices import DeliverableState, ServiceReportState
from .models import Deliverable, ServiceReport
from .periods import QUARTER, Period, period_of, periods_between
from .schedule import Spec, calendar, specs, undated

STATE_LABELS = dict(DeliverableState.choices)


@dataclass
class Entry:
    """One document due for one period, with what has happened to it."""

    spec: Spec
    period: Period
    due: date
    state: str
    overdue: bool
    record: Deliverable | None
    documents: list[GeneratedDocument] = field(default_factory=list)

    @property
    def state_label(self) -> Any:
        return STATE_LABELS[self.state]

    @property
    def can_generate(self) -> bool:
        return self.spec.generator is not None


def contract_calendar(contract: Contract, *, today: date, period: str | None = None) -> list[Entry]:
    """Every dated deliverable of the contract (or of one period label), with its state: signed
    or produced when recorded, else due; ``overdue`` when due and its due date has passed."""
    dues = calendar(specs(contract.obligations), contract.start, contract.end)
    if period:
        dues = [d for d in dues if d.period.label == period]
    records = {(r.code, r.period): r for r in Deliverable.objects.filter(contract=contract)}
    files: dict[tuple[str, str], list[GeneratedDocument]] = defaultdict(list)
    for doc in (
        GeneratedDocument.objects.filter(
            contract=contract, subject__startswith="reports.deliverable:", pdf_of=None
        )
        .select_related("pdf_copy")
        .order_by("-produced_at", "-pk")
    ):
        files[(doc.subject.split(":", 1)[1], doc.period)].append(doc)
    entries = []
    for d in dues:
        key = (d.spec.code, d.period.label)
        record = records.get(key)
        state = record.state if record is not None else DeliverableState.DUE
        entries.append(
            Entry(
                spec=d.spec,
                period=d.period,
                due=d.due,
                state=state,
                overdue=state == DeliverableState.DUE and d.due < today,
                record=record,
                documents=_latest(files.get(key, [])),
            )
        )
    return entries


def _latest(documents: list[GeneratedDocument]) -> list[GeneratedDocument]:
    """The newest file of each type (an earlier print stays in the archive)."""
    seen: set[str] = set()
    latest = []
    for doc in documents:
        suffix = doc.filename.rsplit(".", 1)[-1]
        if suffix not in seen:
            seen.add(suffix)
            latest.append(doc)
    return latest


def undated_specs(contract: Contract) -> list[Spec]:
    return undated(specs(contract.obligations))


def current_entries(contract: Contract, *, today: date) -> list[Entry]:
    """The entries of the periods running today and those just ended (what is due now)."""
    entries = contract_calendar(contract, today=today)
    return [
        e
        for e in entries
        if e.period.start <= today and (e.state != DeliverableState.SIGNED or e.period.end > today)
    ][-12:]


def contracts_with_deliverables(qs: QuerySet[Contract]) -> QuerySet[Contract]:
    """The contracts whose template lists deliverables or asks for a 服务报告 after each service."""
    lists = ~Q(obligations__deliverables__isnull=True) & ~Q(obligations__deliverables=[])
    return qs.filter(lists | Q(obligations__has_key="service_report"))


# --- 服务报告 ---------------------------------------------------------------------------------------


def service_report_requirement(contract: Contract) -> dict[str, Any] | None:
    """The contract's 服务报告 obligation as its template states it (name, who signs), if any."""
    value = (contract.obligations or {}).get("service_report")
    return value if isinstance(value, dict) else None


def signed_service_reports(contract: Contract, start: date, end: date) -> QuerySet[ServiceReport]:
    """The contract's reports the users signed on ``start`` ≤ day < ``end``, in signing order."""
    return ServiceReport.objects.filter(
        contract=contract, state=ServiceReportState.SIGNED, signed_on__gte=start, signed_on__lt=end
    ).order_by("signed_at", "pk")


@dataclass
class ServiceReportTally:
    """One quarter's 服务报告 of a contract: signed in it, and written in it still unsigned."""

    period: Period
    signed: int
    drafts: int


def service_report_tally(contract: Contract, *, today: date) -> list[ServiceReportTally]:
    """Quarter by quarter, from the contract's start to the current quarter (or its end), how many
    reports the users signed and how many written in the quarter still wait for a signature."""
    last = min(contract.end, today) if contract.end else today
    if last < contract.start:
        return []
    periods = periods_between(QUARTER, contract.start, last)
    signed: dict[str, int] = defaultdict(int)
    drafts: dict[str, int] = defaultdict(int)
    rows = (
        ServiceReport.objects.filter(contract=contract).values("state", "signed_on", "created_at").order_by()
    )
    for row in rows:
        if row["state"] == ServiceReportState.SIGNED and row["signed_on"]:
            signed[period_of(QUARTER, row["signed_on"]).label] += 1
        elif row["state"] == ServiceReportState.DRAFT:
            day = timezone.localtime(row["created_at"]).date()
            drafts[period_of(QUARTER, day).label] += 1
    return [ServiceReportTally(p, signed[p.label], drafts[p.label]) for p in periods]


def service_report_counts(qs: QuerySet[ServiceReport]) -> dict[str, int]:
    return qs.aggregate(
        signed=Count("pk", filter=Q(state=ServiceReportState.SIGNED)),
        drafts=Count("pk", filter=Q(state=ServiceReportState.DRAFT)),
    )
