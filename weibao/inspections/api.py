"""API of the inspections: the plan's list (cursor pages), one inspection with its items and
signatures, and doing it (start, update an item, open a ticket from an item, sign), under the
visibility rule. A write to a done inspection answers 409 (``code: conflict``) saying it is frozen."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from ninja import Field, FilterLookup, FilterSchema, Router, Schema, Status
from ninja.errors import HttpError

from weibao.audit.context import AuditContext
from weibao.core.api import Id, IsoDate, get_visible, responses
from weibao.core.api_crud import ModelRoutes

from . import doing
from .choices import InspectionState, InspectionStatus
from .models import Inspection, InspectionItem, InspectionSignature
from .selectors import inspection_items, status_of

router = Router(tags=["inspections"])


class InspectionOut(Schema):
    id: int
    contract_id: int
    contract_code: str
    hospital_id: int
    obligation: str
    name: str
    sequence: int
    due: date
    mode: str
    state: str
    status: str
    status_label: str
    done_at: Any | None = None

    @staticmethod
    def resolve_contract_code(obj: Inspection) -> str:
        return obj.contract.code

    @staticmethod
    def resolve_status(obj: Inspection) -> str:
        return status_of(obj)

    @staticmethod
    def resolve_status_label(obj: Inspection) -> str:
        return str(InspectionStatus(status_of(obj)).label)


class InspectionFilter(FilterSchema):
    contract: Annotated[Id | None, FilterLookup("contract_id")] = None
    state: InspectionState | None = None
    due_from: Annotated[IsoDate | None, FilterLookup("due__gte")] = None
    due_to: Annotated[IsoDate | None, FilterLookup("due__lte")] = None


inspections = ModelRoutes(
    router, "/inspections", Inspection.objects.select_related("contract"), InspectionOut, id="inspection_id"
)
inspections.list("巡检计划", filters=InspectionFilter)


class ItemOut(Schema):
    id: int
    position: int
    area: str
    area_label: str
    code: str
    label: str
    subject: str
    system_id: int | None
    kind: str
    unit: str
    warn_above: Decimal | None
    crit_above: Decimal | None
    warn_below: Decimal | None
    crit_below: Decimal | None
    probe: str
    result: str
    value: Decimal | None
    note: str
    has_photo: bool
    ticket_id: int | None
    source: str
    filled_at: Any | None = None

    @staticmethod
    def resolve_has_photo(obj: InspectionItem) -> bool:
        return bool(obj.photo)


class SignatureOut(Schema):
    side: str
    name: str
    signed_on: date
    signed_at: Any
    drawn: bool

    @staticmethod
    def resolve_drawn(obj: InspectionSignature) -> bool:
        return bool(obj.image)


class InspectionDetailOut(InspectionOut):
    started_at: Any | None = None
    findings: str
    recommendations: str
    items: list[ItemOut]
    signatures: list[SignatureOut]

    @staticmethod
    def resolve_items(obj: Inspection) -> list[InspectionItem]:
        return list(inspection_items(obj))

    @staticmethod
    def resolve_signatures(obj: Inspection) -> list[InspectionSignature]:
        return list(obj.signatures.all())


class StartIn(Schema):
    mode: Literal["onsite", "remote"] = Field(..., description="现场 onsite 或远程 remote")


class ItemPatch(Schema):
    result: Literal["", "ok", "abnormal", "na"] | None = Field(
        None, description="正常 ok / 异常 abnormal / 不适用 na / 清空；数值项按阈值自动判定"
    )
    value: float | None = Field(None, ge=-1e10, le=1e10, description="数值项的读数（单位见 unit）")
    note: str | None = Field(None, max_length=2000)


class InspectionSignIn(Schema):
    side: Literal["vendor", "hospital"]
    name: str = Field(..., min_length=1, max_length=64)
    signature: str = Field("", max_length=420_000, description="手写签名：data:image/png;base64,…（可选）")


class TicketRef(Schema):
    ticket_id: int
    number: str


def _frozen_is_409(exc: ValidationError) -> HttpError:
    return HttpError(409, " ".join(exc.messages))


def _inspection(request: Any, inspection_id: int) -> Inspection:
    return get_visible(Inspection.objects.select_related("contract"), request.user, pk=inspection_id)


def _item(request: Any, item_id: int) -> InspectionItem:
    return get_visible(
        InspectionItem.objects.select_related("inspection", "inspection__contract"), request.user, pk=item_id
    )


@router.get(
    "/inspections/{inspection_id}",
    response=responses(_200=InspectionDetailOut),
    summary="巡检详情（含检查项与签字）",
)
def inspection_detail(request: Any, inspection_id: Id) -> Inspection:
    return _inspection(request, inspection_id)


@router.post(
    "/inspections/{inspection_id}/start", response=responses(_200=InspectionDetailOut), summary="开始巡检"
)
def inspection_start(request: Any, inspection_id: Id, payload: StartIn) -> Inspection:
    inspection = _inspection(request, inspection_id)
    try:
        doing.inspection_start(
            actor=request.user,
            inspection=inspection,
            mode=payload.mode,
            context=AuditContext.from_request(request),
        )
    except doing.InspectionFrozen as exc:
        raise _frozen_is_409(exc) from None
    return _inspection(request, inspection_id)


@router.patch("/inspection-items/{item_id}", response=responses(_200=ItemOut), summary="填写检查项")
def inspection_item_update(request: Any, item_id: Id, payload: ItemPatch) -> InspectionItem:
    item = _item(request, item_id)
    given = payload.model_fields_set
    value = Decimal(str(payload.value)) if payload.value is not None else None
    try:
        return doing.inspection_item_save(
            actor=request.user,
            item=item,
            result=(payload.result or "") if "result" in given else item.result,
            value=value if "value" in given else item.value,
            note=(payload.note or "") if "note" in given else item.note,
            context=AuditContext.from_request(request),
        )
    except (doing.InspectionFrozen, doing.InspectionLocked) as exc:
        raise _frozen_is_409(exc) from None


@router.post("/inspection-items/{item_id}/ticket", response=responses(_200=TicketRef), summary="异常项转工单")
def inspection_item_ticket(request: Any, item_id: Id) -> dict[str, Any]:
    item = _item(request, item_id)
    try:
        ticket = doing.inspection_item_ticket(
            actor=request.user, item=item, context=AuditContext.from_request(request)
        )
    except doing.InspectionFrozen as exc:
        raise _frozen_is_409(exc) from None
    return {"ticket_id": ticket.pk, "number": ticket.number}


@router.post(
    "/inspections/{inspection_id}/signatures", response=responses(_201=SignatureOut), summary="巡检签字"
)
def inspection_sign(request: Any, inspection_id: Id, payload: InspectionSignIn) -> Any:
    inspection = _inspection(request, inspection_id)
    try:
        sig = doing.inspection_sign(
            actor=request.user,
            inspection=inspection,
            side=payload.side,
            name=payload.name,
            signature=payload.signature,
            context=AuditContext.from_request(request),
        )
    except doing.InspectionFrozen as exc:
        raise _frozen_is_409(exc) from None
    return Status(201, sig)
