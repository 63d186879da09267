"""API of the inspections: the plan's list (cursor pages) and one inspection, under the visibility rule."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from ninja import FilterLookup, FilterSchema, Router, Schema

from weibao.core.api import Id, IsoDate
from weibao.core.api_crud import ModelRoutes

from .choices import InspectionState, InspectionStatus
from .models import Inspection
from .selectors import status_of

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
inspections.detail("巡检详情")
