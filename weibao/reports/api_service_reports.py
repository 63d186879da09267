"""API of the 服务报告: list, read, write from a ticket or an inspection, change while a draft, sign
(the user), print as DOCX (archived with its SHA-256)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, FilterLookup, FilterSchema, Router, Schema, Status

from weibao.audit.context import AuditContext
from weibao.core.api import Id, IsoDateTime, responses
from weibao.core.api_crud import ModelRoutes
from weibao.core.tenancy import get_visible
from weibao.inspections.models import Inspection
from weibao.servicedesk.models import Ticket

from . import service_reports
from .choices import Satisfaction, ServiceMode, ServiceReportState
from .models import ServiceReport

router = Router(tags=["service-reports"])


class ServiceReportOut(Schema):
    id: int
    number: str
    hospital_id: int
    contract_id: int
    source: str
    ticket_id: int | None
    inspection_id: int | None
    department_id: int | None
    department_name: str
    systems: str
    mode: str
    fault: str
    handling: str
    result: str
    reported_at: datetime | None
    arrived_at: datetime | None
    resolved_at: datetime | None
    engineer_name: str
    state: str
    created_at: datetime
    signer_name: str
    signed_on: date | None
    satisfaction: str
    comments: str
    has_signature_image: bool
    signed_at: datetime | None

    @staticmethod
    def resolve_has_signature_image(obj: ServiceReport) -> bool:
        return bool(obj.signature)


class ServiceReportFilter(FilterSchema):
    contract: Annotated[Id | None, FilterLookup("contract_id")] = None
    ticket: Annotated[Id | None, FilterLookup("ticket_id")] = None
    inspection: Annotated[Id | None, FilterLookup("inspection_id")] = None
    state: Annotated[ServiceReportState | None, FilterLookup("state")] = None


reports = ModelRoutes(
    router,
    "/service-reports",
    ServiceReport.objects.select_related("contract"),
    ServiceReportOut,
    id="service_report_id",
)
reports.list("服务报告", filters=ServiceReportFilter)
reports.detail("服务报告详情")


class ServiceReportFields(Schema):
    department_name: str | None = Field(None, max_length=100)
    systems: str | None = Field(None, max_length=300)
    mode: ServiceMode | None = None
    fault: str | None = Field(None, max_length=10000)
    handling: str | None = Field(None, max_length=20000)
    result: str | None = Field(None, max_length=10000)
    reported_at: IsoDateTime | None = None
    arrived_at: IsoDateTime | None = None
    resolved_at: IsoDateTime | None = None
    engineer_name: str | None = Field(None, max_length=64)


class ServiceReportIn(ServiceReportFields):
    ticket_id: Id | None = None
    inspection_id: Id | None = None


@router.post("/service-reports", response=responses(_201=ServiceReportOut), summary="填写服务报告")
def service_report_create(request: HttpRequest, payload: ServiceReportIn) -> Any:
    """A draft report from ``ticket_id`` or ``inspection_id`` (one of them), prefilled from it;
    the other fields, when given, replace the prefill."""
    if (payload.ticket_id is None) == (payload.inspection_id is None):
        raise ValidationError(_("请给出 ticket_id 或 inspection_id 之一。"))
    ticket = inspection = None
    if payload.ticket_id is not None:
        ticket = get_visible(Ticket.objects.select_related("contract"), request.user, pk=payload.ticket_id)
    else:
        inspection = get_visible(
            Inspection.objects.select_related("contract"), request.user, pk=payload.inspection_id
        )
    fields = payload.dict(exclude_unset=True, exclude={"ticket_id", "inspection_id"})
    report = service_reports.service_report_create(
        actor=request.user,  # type: ignore[arg-type]
        ticket=ticket,
        inspection=inspection,
        fields={k: v for k, v in fields.items() if v is not None},
        context=AuditContext.from_request(request),
    )
    return Status(201, report)


@reports.update(ServiceReportFields, "修改服务报告（签字前）")
def service_report_update(
    request: HttpRequest, report: ServiceReport, payload: ServiceReportFields
) -> ServiceReport:
    return service_reports.service_report_update(
        actor=request.user,  # type: ignore[arg-type]
        report=report,
        fields=payload.dict(exclude_unset=True),
        context=AuditContext.from_request(request),
    )


class ServiceReportSignIn(Schema):
    signer_name: str = Field(min_length=1, max_length=64)
    satisfaction: Satisfaction
    comments: str = Field("", max_length=5000)
    signature: str = Field("", max_length=420_000, description="手写签名：data:image/png;base64,…（可选）")


@router.post(
    "/service-reports/{service_report_id}/sign",
    response=responses(_200=ServiceReportOut),
    summary="用户签字确认服务报告",
)
def service_report_sign(request: HttpRequest, service_report_id: Id, payload: ServiceReportSignIn) -> Any:
    return service_reports.service_report_sign(
        actor=request.user,  # type: ignore[arg-type]
        report=reports.get(request, service_report_id),
        signer_name=payload.signer_name,
        satisfaction=payload.satisfaction,
        comments=payload.comments,
        signature=payload.signature,
        context=AuditContext.from_request(request),
    )


class ServiceReportPrintedOut(Schema):
    document_id: int
    filename: str
    sha256: str
    download_url: str


@router.post(
    "/service-reports/{service_report_id}/print",
    response=responses(_201=ServiceReportPrintedOut),
    summary="打印服务报告（DOCX，存档）",
)
def service_report_print(request: HttpRequest, service_report_id: Id) -> Any:
    document = service_reports.service_report_print(
        actor=request.user,  # type: ignore[arg-type]
        report=reports.get(request, service_report_id),
        context=AuditContext.from_request(request),
    )
    return Status(
        201,
        ServiceReportPrintedOut(
            document_id=document.pk,
            filename=document.filename,
            sha256=document.sha256,
            download_url=reverse("documents:download", args=[document.pk]),
        ),
    )
