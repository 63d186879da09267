"""Pages of switch-over plans (切换方案): the plans one sees, a new plan for a contract, one plan
with its checklist, data-sync checks and the sign-off of both sides, its DOCX."""

from __future__ import annotations

from typing import Any

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
from weibao.core.forms import apply_service_errors, form_page
from weibao.core.pagination import request_page
from weibao.core.tenancy import get_visible

from . import switchover
from .forms import (
    SwitchoverForm,
    SwitchoverItemDoneForm,
    SwitchoverItemForm,
    SwitchoverSignForm,
    SyncCheckForm,
)
from .models import SwitchoverItem, SwitchoverPlan


def _plans(request: HttpRequest) -> Any:
    return SwitchoverPlan.objects.visible_to(request.user).select_related(
        "contract", "contract__hospital", "system"
    )


@login_required
def switchover_list(request: HttpRequest) -> HttpResponse:
    """The switch-over plans the user sees (``?contract=`` one contract's), newest first, and the
    contracts the user may start one for."""
    rows = _plans(request).order_by("-parallel_start", "-pk")
    contract = None
    if request.GET.get("contract", "").isdigit():
        contract = get_visible(Contract.objects, request.user, pk=int(request.GET["contract"]))
        rows = rows.filter(contract=contract)
    items, next_url = request_page(request, rows, limit=50)
    # Every contract the user may start a plan under: the filter's choices, the new-plan links.
    contracts = Contract.objects.visible_to(request.user).order_by("code", "pk")
    writable = [c for c in contracts if permissions.can_keep_switchover(request.user, c)]
    return render(
        request,
        "records/switchover_list.html",
        {
            "items": items,
            "next_url": next_url,
            "contract": contract,
            "writable": writable,
            "may_start": contract is not None and contract in writable,
        },
    )


def _contract(request: HttpRequest, pk: int) -> Contract:
    contract = get_visible(Contract.objects.select_related("hospital", "vendor"), request.user, pk=pk)
    if not permissions.can_keep_switchover(request.user, contract):
        raise PermissionDenied(_("只有该合同的厂商人员或医院管理员可以编写切换方案。"))
    return contract


@login_required
def switchover_new(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    today = timezone.localdate()
    form = SwitchoverForm(
        request.POST or None,
        contract=contract,
        initial={"parallel_start": today, "parallel_end": today + timezone.timedelta(days=30)},
    )
    return form_page(
        request,
        form,
        lambda data: switchover.plan_create(
            actor=request.user, contract=contract, context=AuditContext.from_request(request), **data
        ),
        then=lambda plan: reverse("records:switchover_detail", args=[plan.pk]),
        message=_("切换方案已建立。"),
        title=_("新建切换方案"),
        subtitle=f"{contract.code} · {contract.title}",
        hint=_("新旧系统并行运行期间，逐项完成检查清单并每日核对数据，双方签字后方案冻结。"),
        back_url=reverse("records:switchover_list") + f"?contract={contract.pk}",
        form_id="switchover-form",
    )


@login_required
def switchover_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_visible(_plans(request), request.user, pk=pk)
    _contract(request, plan.contract_id)
    if plan.frozen:
        messages.error(request, _("切换方案已签字，不能再修改。"))
        return redirect("records:switchover_detail", pk=plan.pk)
    fields = ("title", "system", "old_system", "new_system", "parallel_start", "parallel_end", "description")
    form = SwitchoverForm(
        request.POST or None,
        contract=plan.contract,
        editing=True,
        initial={f: getattr(plan, f) for f in fields},
    )
    return form_page(
        request,
        form,
        lambda data: switchover.plan_update(
            actor=request.user, plan=plan, context=AuditContext.from_request(request), **data
        ),
        then=lambda p: reverse("records:switchover_detail", args=[p.pk]),
        message=_("切换方案已修改。"),
        title=_("修改切换方案"),
        subtitle=plan.title,
        back_url=reverse("records:switchover_detail", args=[plan.pk]),
        form_id="switchover-form",
    )


def _detail(request: HttpRequest, plan: SwitchoverPlan, **forms: Any) -> HttpResponse:
    user = request.user
    may_write = not plan.frozen and permissions.can_keep_switchover(user, plan.contract)
    sides = [
        s
        for s in switchover.SIDES
        if getattr(plan, f"{s}_signed_at") is None and permissions.can_sign_switchover(user, plan.contract, s)
    ]
    sign_form = forms.get("sign_form") or SwitchoverSignForm(initial={"side": sides[0] if sides else ""})
    sign_form.fields["side"].choices = [c for c in sign_form.fields["side"].choices if c[0] in sides]  # type: ignore[attr-defined]
    return render(
        request,
        "records/switchover_detail.html",
        {
            "plan": plan,
            "items": plan.items.order_by("pk"),
            "checks": plan.checks.order_by("-checked_on", "-pk"),
            "may_write": may_write,
            "sides": sides,
            "missing": switchover.missing_for_sign_off(plan),
            "item_form": forms.get("item_form") or SwitchoverItemForm(prefix="item"),
            "check_form": forms.get("check_form")
            or SyncCheckForm(prefix="check", initial={"checked_on": timezone.localdate()}),
            "sign_form": sign_form,
            # What refused a form of the page (e.g. the plan is signed), shown whether or not
            # the form itself is still offered.
            "refusals": [e for f in forms.values() for e in f.non_field_errors()],
        },
        status=400 if forms else 200,
    )


@login_required
def switchover_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_visible(_plans(request), request.user, pk=pk))


def _post_form(
    request: HttpRequest, plan: SwitchoverPlan, form: Any, name: str, save: Any, message: str
) -> HttpResponse:
    """A form of the plan's page: saved through the service and back to the page, or the page
    again with the form's errors (400)."""
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, message)
            return redirect("records:switchover_detail", pk=plan.pk)
    return _detail(request, plan, **{name: form})


@login_required
@require_POST
def switchover_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_visible(_plans(request), request.user, pk=pk)
    ctx = AuditContext.from_request(request)
    return _post_form(
        request,
        plan,
        SwitchoverItemForm(request.POST, prefix="item"),
        "item_form",
        lambda data: switchover.item_add(actor=request.user, plan=plan, context=ctx, **data),
        _("已添加检查项。"),
    )


@login_required
@require_POST
def switchover_check_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_visible(_plans(request), request.user, pk=pk)
    ctx = AuditContext.from_request(request)
    return _post_form(
        request,
        plan,
        SyncCheckForm(request.POST, prefix="check"),
        "check_form",
        lambda data: switchover.check_record(actor=request.user, plan=plan, context=ctx, **data),
        _("已登记数据同步核对。"),
    )


@login_required
@require_POST
def switchover_sign(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_visible(_plans(request), request.user, pk=pk)
    ctx = AuditContext.from_request(request)
    return _post_form(
        request,
        plan,
        SwitchoverSignForm(request.POST),
        "sign_form",
        lambda data: switchover.plan_sign(actor=request.user, plan=plan, context=ctx, **data),
        _("已签字确认。"),
    )


@login_required
@require_POST
def switchover_item_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one checklist item done (or not), with who did it and a note."""
    item = get_visible(SwitchoverItem.objects.select_related("plan", "plan__contract"), request.user, pk=pk)
    form = SwitchoverItemDoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("检查项的内容有误。"))
    else:
        try:
            switchover.item_update(
                actor=request.user, item=item, context=AuditContext.from_request(request), **form.cleaned_data
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("检查项已更新。"))
    return redirect(reverse("records:switchover_detail", args=[item.plan_id]) + f"#item-{item.pk}")


@login_required
@require_POST
def switchover_print(request: HttpRequest, pk: int) -> HttpResponse:
    """Print the plan as DOCX (kept in the documents archive) and download it."""
    plan = get_visible(_plans(request).select_related("hospital", "contract__vendor"), request.user, pk=pk)
    document = switchover.plan_print(
        actor=request.user, plan=plan, context=AuditContext.from_request(request)
    )
    return redirect(reverse("documents:download", args=[document.pk]))
