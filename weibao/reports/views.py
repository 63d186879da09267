"""Pages of the deliverables: the calendar of one contract, the due documents across contracts,
and the two buttons of the calendar (生成, 登记签署)."""

from __future__ import annotations

from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weibao.accounts import permissions
from weibao.audit.context import AuditContext
from weibao.contracts.models import Contract
from weibao.core.pagination import request_page
from weibao.core.tenancy import get_visible

from . import services
from .forms import SignForm, TargetForm
from .selectors import (
    contract_calendar,
    contracts_with_deliverables,
    current_entries,
    service_report_requirement,
    service_report_tally,
    undated_specs,
)


def _require_read(request: HttpRequest) -> None:
    if not permissions.can_read_deliverables(request.user):
        raise PermissionDenied(_("交付物由医院信息科与服务商管理，科室用户无法查看。"))


def _contract(request: HttpRequest, pk: int) -> Contract:
    contract = get_visible(Contract.objects.select_related("hospital", "vendor"), request.user, pk=pk)
    _require_read(request)
    return contract


@login_required
def deliverable_list(request: HttpRequest) -> HttpResponse:
    """交付物: for each contract the user sees, the documents due now."""
    _require_read(request)
    today = timezone.localdate()
    qs = contracts_with_deliverables(
        Contract.objects.visible_to(request.user).select_related("hospital", "vendor")
    ).order_by("code", "pk")
    contracts, next_url = request_page(request, qs, limit=20)
    rows = [(c, current_entries(c, today=today)) for c in contracts]
    return render(request, "reports/deliverable_list.html", {"rows": rows, "next_url": next_url})


@login_required
def contract_deliverables(request: HttpRequest, pk: int) -> HttpResponse:
    """One contract's deliverables calendar, period by period."""
    contract = _contract(request, pk)
    today = timezone.localdate()
    entries = contract_calendar(contract, today=today)
    periods = [(period, list(items)) for period, items in groupby(entries, key=lambda e: e.period.label)]
    return render(
        request,
        "reports/contract_deliverables.html",
        {
            "contract": contract,
            "periods": periods,
            "undated": undated_specs(contract),
            "today": today,
            "may_produce": permissions.can_produce_deliverables(request.user, contract),
            "may_sign": permissions.can_sign_deliverables(request.user, contract),
            "service_report": service_report_requirement(contract),
            "service_report_tally": service_report_tally(contract, today=today)
            if service_report_requirement(contract)
            else [],
        },
    )


def _back(contract: Contract, period: str) -> HttpResponse:
    return redirect(reverse("reports:contract_deliverables", args=[contract.pk]) + f"#p-{period}")


def _errors(request: HttpRequest, form: TargetForm | ValidationError) -> None:
    if isinstance(form, ValidationError):
        texts = form.messages
    else:
        texts = [f"{form.fields[name].label or name}：{' '.join(errs)}" for name, errs in form.errors.items()]
    for text in texts:
        messages.error(request, text)


@login_required
@require_POST
def deliverable_produce(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    form = TargetForm(request.POST)
    if not form.is_valid():
        _errors(request, form)
        return redirect("reports:contract_deliverables", pk=contract.pk)
    data = form.cleaned_data
    try:
        documents = services.deliverable_produce(
            actor=request.user,  # type: ignore[arg-type]
            contract=contract,
            code=data["code"],
            period=data["period"],
            context=AuditContext.from_request(request),
        )
    except ValidationError as e:
        _errors(request, e)
    else:
        messages.success(
            request, _("已生成：%(files)s") % {"files": "、".join(d.filename for d in documents)}
        )
    return _back(contract, data["period"])


@login_required
@require_POST
def deliverable_sign(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    form = SignForm(request.POST)
    if not form.is_valid():
        _errors(request, form)
        return _back(contract, request.POST.get("period", "")[:16])
    data = form.cleaned_data
    try:
        services.deliverable_sign(
            actor=request.user,  # type: ignore[arg-type]
            contract=contract,
            code=data["code"],
            period=data["period"],
            signed_on=data["signed_on"],
            signer=data["signer"],
            context=AuditContext.from_request(request),
        )
    except ValidationError as e:
        _errors(request, e)
    else:
        messages.success(request, _("已登记签署。"))
    return _back(contract, data["period"])
