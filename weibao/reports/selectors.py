"""Reads of the deliverables: a contract's calendar with each due document's state and files."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import QuerySet

from weibao.contracts.models import Contract
from weibao.documents.models import GeneratedDocument

from .choices import DeliverableState
from .models import Deliverable
from .periods import Period
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
    for doc in GeneratedDocument.objects.filter(
        contract=contract, subject__startswith="reports.deliverable:"
    ).order_by("-produced_at", "-pk"):
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
    """The contracts whose template lists deliverables."""
    return qs.exclude(obligations__deliverables__isnull=True).exclude(obligations__deliverables=[])
