"""API of the deliverables: a contract's calendar, produce a period's document, record a signature."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from weibao.accounts import permissions
from weibao.audit.context import AuditContext
from weibao.contracts.models import Contract
from weibao.core.api import Id, IsoDate, responses
from weibao.core.tenancy import get_visible
from weibao.documents.models import GeneratedDocument

from . import services
from .api_service_reports import router as service_reports_router
from .selectors import Entry, contract_calendar

router = Router(tags=["deliverables"])
router.add_router("", service_reports_router)


class DocumentOut(Schema):
    id: int
    filename: str
    sha256: str
    size: int
    produced_at: str
    produced_by: str | None
    download_url: str
    pdf_download_url: str | None = Field(None, description="PDF 副本（安装了 LibreOffice 时生成）")


class EntryOut(Schema):
    code: str
    name: str
    period: str
    start: date
    end: date
    due: date
    state: str
    state_label: str
    overdue: bool
    generated_here: bool
    signed_on: date | None
    signed_by: str
    documents: list[DocumentOut]


class DeliverableCalendarOut(Schema):
    contract_id: int
    contract_code: str
    items: list[EntryOut]


class TargetIn(Schema):
    code: str = Field(min_length=1, max_length=48)
    period: str = Field(min_length=4, max_length=16, examples=["2026Q3"])


class DeliverableSignIn(TargetIn):
    signed_on: IsoDate
    signer: str = Field(min_length=1, max_length=100)


class SignOut(Schema):
    code: str
    period: str
    state: str
    signed_on: date | None
    signed_by: str


def _document(d: GeneratedDocument) -> DocumentOut:
    return DocumentOut(
        id=d.pk,
        filename=d.filename,
        sha256=d.sha256,
        size=d.size,
        produced_at=timezone.localtime(d.produced_at).isoformat(),
        produced_by=str(d.produced_by) if d.produced_by_id else None,
        download_url=reverse("documents:download", args=[d.pk]),
        pdf_download_url=reverse("documents:download", args=[d.pdf.pk]) if d.pdf else None,
    )


def _entry(e: Entry) -> EntryOut:
    return EntryOut(
        code=e.spec.code,
        name=e.spec.name,
        period=e.period.label,
        start=e.period.start,
        end=e.period.last_day,
        due=e.due,
        state=e.state,
        state_label=str(e.state_label),
        overdue=e.overdue,
        generated_here=e.can_generate,
        signed_on=e.record.signed_on if e.record else None,
        signed_by=e.record.signed_by_name if e.record else "",
        documents=[_document(d) for d in e.documents],
    )


def _contract(request: HttpRequest, contract_id: int) -> Contract:
    contract = get_visible(
        Contract.objects.select_related("hospital", "vendor"), request.user, pk=contract_id
    )
    if not permissions.can_read_deliverables(request.user):
        raise PermissionDenied(_("交付物由医院信息科与服务商管理，科室用户无法查看。"))
    return contract


@router.get(
    "/contracts/{contract_id}/deliverables",
    response=responses(_200=DeliverableCalendarOut),
    summary="合同的交付物日历",
)
def deliverables_calendar(
    request: HttpRequest, contract_id: Id, period: str | None = None
) -> DeliverableCalendarOut:
    """Every dated deliverable of the contract (or of one ``period`` such as ``2026Q3``) with its
    state (due / produced / signed) and its archived files."""
    contract = _contract(request, contract_id)
    entries = contract_calendar(contract, today=timezone.localdate(), period=period)
    return DeliverableCalendarOut(
        contract_id=contract.pk, contract_code=contract.code, items=[_entry(e) for e in entries]
    )


@router.post(
    "/contracts/{contract_id}/deliverables/produce",
    response=responses(_201=list[DocumentOut]),
    summary="生成本期交付物",
)
def deliverable_produce(request: HttpRequest, contract_id: Id, body: TargetIn) -> Status:
    """Print the period's document from the records and archive it (DOCX; the 记录单 also XLSX)."""
    contract = _contract(request, contract_id)
    documents = services.deliverable_produce(
        actor=request.user,  # type: ignore[arg-type]
        contract=contract,
        code=body.code,
        period=body.period,
        context=AuditContext.from_request(request),
    )
    return Status(201, [_document(d) for d in documents])


@router.post(
    "/contracts/{contract_id}/deliverables/sign", response=responses(_200=SignOut), summary="登记交付物签署"
)
def deliverable_sign(request: HttpRequest, contract_id: Id, body: DeliverableSignIn) -> SignOut:
    """Record that the period's produced document was signed, on which day and by whom."""
    contract = _contract(request, contract_id)
    row = services.deliverable_sign(
        actor=request.user,  # type: ignore[arg-type]
        contract=contract,
        code=body.code,
        period=body.period,
        signed_on=body.signed_on,
        signer=body.signer,
        context=AuditContext.from_request(request),
    )
    return SignOut(
        code=row.code,
        period=row.period,
        state=row.state,
        signed_on=row.signed_on,
        signed_by=row.signed_by_name,
    )
