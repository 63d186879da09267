"""Data changes (数据变更) and change requests (需求变更): lists, the forms that start them (from a
ticket, or from the list with a contract chosen), and the detail pages with their approval steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from weibao.audit.context import AuditContext
from weibao.contracts.models import Contract
from weibao.core.db import as_id
from weibao.core.forms import apply_service_errors, submit
from weibao.core.pagination import request_page
from weibao.core.tenancy import get_visible

from .. import permissions, records
from ..choices import ChangeRequestState, DataChangeKind
from ..models import ChangeRequest, DataChange, Ticket
from ..record_forms import AssessForm, ChangeRequestForm, DataChangeForm, DeployForm
from .lookup import visible_ticket

#: Ticket categories that offer 登记数据变更, and the kind each starts with.
DATA_CHANGE_CATEGORIES = {
    "data_recovery": DataChangeKind.RECOVERY,
    "data_adjustment": DataChangeKind.ADJUSTMENT,
}
#: Ticket categories that offer 提出需求变更.
CHANGE_REQUEST_CATEGORIES = {"change_request", "interface_change", "report_maintenance"}


def ticket_records(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    """What the ticket page shows of the records started from it, and which it may start."""
    user = request.user
    return {
        "data_changes": DataChange.objects.visible_to(user).filter(ticket=ticket),
        "change_requests": ChangeRequest.objects.visible_to(user).filter(ticket=ticket),
        "offer_data_change": ticket.term.category in DATA_CHANGE_CATEGORIES
        and permissions.can_work(user, ticket),
        "offer_change_request": ticket.term.category in CHANGE_REQUEST_CATEGORIES
        and permissions.can_report(user, ticket.contract),
    }


def _start(
    request: HttpRequest, may: Callable[[Any, Contract], bool], refused: str
) -> tuple[Ticket | None, Contract | None, Any]:
    """The ticket a record starts from (``?ticket=``, visible, and one the user may write under),
    or the contracts to choose from."""
    ticket_id = request.GET.get("ticket") or request.POST.get("ticket")
    if ticket_id:
        ticket = visible_ticket(request, as_id(ticket_id))
        if not may(request.user, ticket.contract):
            raise PermissionDenied(refused)
        return ticket, ticket.contract, Contract.objects.filter(pk=ticket.contract_id)
    visible = Contract.objects.visible_to(request.user).select_related("hospital")
    allowed = [c.pk for c in visible if may(request.user, c)]
    if not allowed:
        raise PermissionDenied(refused)
    return None, None, Contract.objects.filter(pk__in=allowed)


@login_required
def data_change_list(request: HttpRequest) -> HttpResponse:
    rows, next_url = request_page(
        request, DataChange.objects.visible_to(request.user).select_related("contract", "requested_by")
    )
    return render(request, "servicedesk/data_change_list.html", {"rows": rows, "next_url": next_url})


@login_required
def data_change_new(request: HttpRequest) -> HttpResponse:
    ticket, contract, contracts = _start(
        request, permissions.can_work_contract, _("只有合同的厂商工程师和医院信息科可以登记数据变更。")
    )
    initial = {"kind": DATA_CHANGE_CATEGORIES.get(ticket.term.category, "")} if ticket else {}
    if ticket is not None and ticket.system_id:
        initial["system"] = ticket.system_id
    form = DataChangeForm(request.POST or None, contracts=contracts, contract=contract, initial=initial)
    done = submit(
        request,
        form,
        lambda data: records.data_change_request(
            actor=request.user,
            contract=data["contract"],
            kind=data["kind"],
            reason=data["reason"],
            patient_ids=data["patient_ids"].splitlines(),
            tables=data["tables"],
            before=data["before"],
            after=data["after"],
            system=data["system"],
            ticket=ticket,
            context=AuditContext.from_request(request),
        ),
        then=lambda record: reverse("servicedesk:data_change_detail", args=[record.pk]),
        message=_("数据变更已登记，等待医院审批。"),
    )
    return done or render(
        request,
        "servicedesk/record_new.html",
        {
            "form": form,
            "ticket": ticket,
            "title": _("登记数据变更"),
            "back_url": reverse("servicedesk:data_change_list"),
        },
    )


@login_required
def data_change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_visible(DataChange.objects.select_related("contract", "ticket"), request.user, pk=pk)
    if request.method == "POST":
        step = request.POST.get("step")
        try:
            if step in ("approve", "reject"):
                records.data_change_approve(
                    actor=request.user,
                    record=record,
                    approve=step == "approve",
                    note=request.POST.get("note", ""),
                    context=AuditContext.from_request(request),
                )
            elif step == "execute":
                records.data_change_execute(
                    actor=request.user,
                    record=record,
                    note=request.POST.get("note", ""),
                    context=AuditContext.from_request(request),
                )
            elif step == "verify":
                records.data_change_verify(
                    actor=request.user, record=record, context=AuditContext.from_request(request)
                )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect("servicedesk:data_change_detail", pk=pk)
    return render(
        request,
        "servicedesk/data_change_detail.html",
        {
            "record": record,
            "is_admin": permissions.is_hospital_admin(request.user, record.hospital_id),
            "can_execute": permissions.can_work_contract(request.user, record.contract),
        },
    )


@login_required
def change_request_list(request: HttpRequest) -> HttpResponse:
    rows, next_url = request_page(
        request, ChangeRequest.objects.visible_to(request.user).select_related("contract")
    )
    return render(request, "servicedesk/change_request_list.html", {"rows": rows, "next_url": next_url})


@login_required
def change_request_new(request: HttpRequest) -> HttpResponse:
    ticket, contract, contracts = _start(request, permissions.can_report, _("您不能为这些合同提出需求。"))
    initial: dict[str, Any] = {}
    if ticket is not None:
        initial = {"title": ticket.title, "requirement": ticket.description, "system": ticket.system_id}
    form = ChangeRequestForm(request.POST or None, contracts=contracts, contract=contract, initial=initial)
    done = submit(
        request,
        form,
        lambda data: records.change_request_create(
            actor=request.user,
            contract=data["contract"],
            title=data["title"],
            requirement=data["requirement"],
            system=data["system"],
            ticket=ticket,
            context=AuditContext.from_request(request),
        ),
        then=lambda cr: reverse("servicedesk:change_request_detail", args=[cr.pk]),
        message=_("需求已提出，等待厂商评估。"),
    )
    return done or render(
        request,
        "servicedesk/record_new.html",
        {
            "form": form,
            "ticket": ticket,
            "title": _("提出需求变更"),
            "back_url": reverse("servicedesk:change_request_list"),
        },
    )


#: The steps of a change request's page: which form each takes, and who sees it.
_CR_STEPS = {
    "assess": AssessForm,
    "approve": None,
    "reject": None,
    "develop": None,
    "test": None,
    "deploy": DeployForm,
}


@login_required
def change_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cr = get_visible(
        ChangeRequest.objects.select_related("contract", "ticket", "system"), request.user, pk=pk
    )
    step = request.POST.get("step", "")
    forms = {"assess": AssessForm(prefix="assess"), "deploy": DeployForm(prefix="deploy")}
    if request.method == "POST" and step in _CR_STEPS:
        form_class = _CR_STEPS[step]
        form = form_class(request.POST, prefix=step) if form_class else None
        if form is None or form.is_valid():
            data = form.cleaned_data if form is not None else {}
            try:
                records.change_request_advance(
                    actor=request.user,
                    cr=cr,
                    action=step,
                    assessment=data.get("assessment", ""),
                    estimate_days=data.get("estimate_days"),
                    quote=data.get("quote"),
                    in_scope=data.get("in_scope"),
                    deployed_on=data.get("deployed_on"),
                    context=AuditContext.from_request(request),
                )
            except ValidationError as exc:
                if form is None:
                    messages.error(request, "；".join(exc.messages))
                    return redirect("servicedesk:change_request_detail", pk=pk)
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("已更新：%(s)s") % {"s": ChangeRequestState(cr.state).label})
                return redirect("servicedesk:change_request_detail", pk=pk)
        if form is not None:
            forms[step] = form
    works = permissions.can_work_contract(request.user, cr.contract)
    admin = permissions.is_hospital_admin(request.user, cr.hospital_id)
    S = ChangeRequestState
    return render(
        request,
        "servicedesk/change_request_detail.html",
        {
            "cr": cr,
            "forms": forms,
            "can_assess": works and cr.state == S.SUBMITTED,
            "can_decide": admin and cr.state in (S.SUBMITTED, S.ASSESSED),
            "can_approve": admin and cr.state == S.ASSESSED,
            "can_develop": works and cr.state == S.APPROVED,
            "can_test": works and cr.state == S.DEVELOPMENT,
            "can_deploy": works and cr.state == S.TESTING,
            "history": [
                {**h, "label": S(h["state"]).label if h.get("state") in S.values else h.get("state")}
                for h in cr.history
            ],
        },
    )
