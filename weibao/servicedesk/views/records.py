"""Data changes (数据变更) and change requests (需求变更)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from weibao.audit.context import AuditContext
from weibao.core.pagination import request_page
from weibao.core.tenancy import get_visible

from .. import permissions, records
from ..models import ChangeRequest, DataChange


@login_required
def data_change_list(request: HttpRequest) -> HttpResponse:
    rows, next_url = request_page(
        request, DataChange.objects.visible_to(request.user).select_related("contract", "requested_by")
    )
    return render(request, "servicedesk/data_change_list.html", {"rows": rows, "next_url": next_url})


@login_required
def data_change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_visible(DataChange.objects.select_related("contract"), request.user, pk=pk)
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
        {"record": record, "is_admin": permissions.is_hospital_admin(request.user, record.hospital_id)},
    )


@login_required
def change_request_list(request: HttpRequest) -> HttpResponse:
    rows, next_url = request_page(
        request, ChangeRequest.objects.visible_to(request.user).select_related("contract")
    )
    return render(request, "servicedesk/change_request_list.html", {"rows": rows, "next_url": next_url})
