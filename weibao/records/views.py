"""Pages of the backup records: every policy with what is overdue, and one policy with its
checks and restore tests (and forms to add them)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from weibao.accounts import permissions
from weibao.audit.context import AuditContext
from weibao.core.pagination import request_page
from weibao.core.tenancy import get_visible

from . import selectors, services
from .forms import CheckForm, RestoreTestForm
from .models import BackupPolicy


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
