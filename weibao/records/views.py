"""Pages of the backup records: every policy with what is overdue, and one policy with its
checks and restore tests (and forms to add them)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weibao.accounts import permissions
from weibao.audit.context import AuditContext
from weibao.contracts.models import Contract
from weibao.core.pagination import request_page
from weibao.core.tenancy import get_visible

from . import meetings, selectors, services
from .forms import CheckForm, RestoreTestForm
from .models import ActionItem, BackupPolicy, MeetingMinutes, TuningRecord


@login_required
def policy_list(request: HttpRequest) -> HttpResponse:
    rows = BackupPolicy.objects.visible_to(request.user).order_by("system_id", "name", "pk")
    items, next_url = request_page(request, rows, limit=50)
    return render(
        request,
        "records/policy_list.html",
        {"statuses": selectors.policy_statuses(items), "next_url": next_url},
    )


@login_required
def policy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    policy = get_visible(
        BackupPolicy.objects.select_related("system", "system__contract"), request.user, pk=pk
    )
    may_write = permissions.can_keep_backup_records(request.user, policy.hospital_id, policy.system.contract)
    check_form = CheckForm(request.POST if request.POST.get("form") == "check" else None, prefix="check")
    test_form = RestoreTestForm(request.POST if request.POST.get("form") == "test" else None, prefix="test")
    if request.method == "POST" and may_write:
        form = check_form if request.POST.get("form") == "check" else test_form
        if form.is_valid():
            ctx = AuditContext.from_request(request)
            try:
                if form is check_form:
                    services.backup_check_record(
                        actor=request.user, policy=policy, context=ctx, **form.cleaned_data
                    )
                else:
                    services.restore_test_record(
                        actor=request.user, policy=policy, context=ctx, **form.cleaned_data
                    )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("已记录。"))
                return redirect("records:policy_detail", pk=policy.pk)
    (status,) = selectors.policy_statuses([policy])
    return render(
        request,
        "records/policy_detail.html",
        {
            "policy": policy,
            "status": status,
            "checks": policy.checks.all()[:30],
            "tests": policy.restore_tests.all()[:30],
            "may_write": may_write,
            "check_form": check_form,
            "test_form": test_form,
        },
    )


@login_required
def contract_records(request: HttpRequest, pk: int) -> HttpResponse:
    """需求沟通会议纪要 and 系统调优记录 of one contract."""
    contract = get_visible(Contract.objects.select_related("hospital", "vendor"), request.user, pk=pk)
    minutes = MeetingMinutes.objects.filter(contract=contract).prefetch_related("actions")
    minutes_items, minutes_next = request_page(request, minutes.order_by("-held_on", "-pk"), limit=20)
    return render(
        request,
        "records/contract_records.html",
        {
            "contract": contract,
            "minutes": minutes_items,
            "minutes_next": minutes_next,
            "tuning": TuningRecord.objects.filter(contract=contract).order_by("-done_on", "-pk")[:50],
            "may_write": permissions.can_keep_service_records(request.user, contract),
        },
    )


@login_required
@require_POST
def action_to_change_request(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_visible(ActionItem.objects.select_related("minutes", "contract"), request.user, pk=pk)
    try:
        meetings.action_to_change_request(
            actor=request.user, item=item, context=AuditContext.from_request(request)
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已转为需求变更。"))
    return redirect("records:contract_records", pk=item.contract_id)
