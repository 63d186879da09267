"""Pages of the inspections: the plan across the contracts a user sees, and one contract's plan."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from weibao.contracts.models import Contract
from weibao.core.pagination import request_page
from weibao.core.tenancy import get_visible

from ..choices import InspectionStatus
from ..models import Inspection
from ..selectors import with_status


def _render(request: HttpRequest, qs: QuerySet[Inspection], contract: Contract | None) -> HttpResponse:
    status = request.GET.get("status", "")
    rows = with_status(qs.select_related("contract", "contract__hospital", "contract__vendor"))
    if status in InspectionStatus.values:
        rows = rows.filter(status=status)
    items, next_url = request_page(request, rows.order_by("due", "obligation", "sequence", "pk"), limit=100)
    labels = dict(InspectionStatus.choices)
    for item in items:
        item.status_label = labels[item.status]
    return render(
        request,
        "inspections/inspection_list.html",
        {
            "items": items,
            "next_url": next_url,
            "contract": contract,
            "status": status,
            "statuses": InspectionStatus.choices,
        },
    )


@login_required
def inspection_list(request: HttpRequest) -> HttpResponse:
    """巡检: every inspection of the contracts the user sees, month by month."""
    return _render(request, Inspection.objects.visible_to(request.user), None)


@login_required
def contract_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """One contract's inspection plan, month by month."""
    contract = get_visible(Contract.objects, request.user, pk=pk)
    return _render(request, Inspection.objects.visible_to(request.user).filter(contract=contract), contract)
