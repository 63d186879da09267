"""Pages of the backup records (every policy with what is overdue, one policy with its checks and
restore tests), of a contract's meeting minutes and tuning records, and the forms that create and
correct them through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weibao.accounts import permissions
from weibao.audit.context import AuditContext
from weibao.contracts.models import Contract, MaintainedSystem
from weibao.core.forms import form_page
from weibao.core.pagination import request_page
from weibao.core.tenancy import get_visible

from . import meetings, selectors, services
from .forms import CheckForm, MinutesForm, PolicyForm, RestoreTestForm, TuningForm
from .models import ActionItem, BackupPolicy, MeetingMinutes, SwitchoverPlan, TuningRecord


@login_required
def policy_list(request: HttpRequest) -> HttpResponse:
    rows = BackupPolicy.objects.visible_to(request.user).order_by("system_id", "name", "pk")
    items, next_url = request_page(request, rows, limit=50)
    return render(
        request,
        "records/policy_list.html",
        {
            "statuses": selectors.policy_statuses(items),
            "next_url": next_url,
            "may_create": bool(_backup_system_ids(request)),
        },
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
            "switchovers": SwitchoverPlan.objects.filter(contract=contract).count(),
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


# --- the forms that create and correct the records ------------------------------------------------


def _backup_system_ids(request: HttpRequest) -> list[int]:
    """The systems whose backup records the user keeps (hospital admins, the covering vendor)."""
    visible = MaintainedSystem.objects.visible_to(request.user).select_related("contract")
    return [
        s.pk for s in visible if permissions.can_keep_backup_records(request.user, s.hospital_id, s.contract)
    ]


def _backup_systems(request: HttpRequest) -> QuerySet[MaintainedSystem]:
    allowed = _backup_system_ids(request)
    if not allowed:
        raise PermissionDenied(_("只有医院管理员或负责该系统的厂商人员可以登记备份记录。"))
    return MaintainedSystem.objects.filter(pk__in=allowed).order_by("name", "pk")


@login_required
def policy_new(request: HttpRequest) -> HttpResponse:
    """登记备份策略 of one of the systems the user keeps records for."""
    form = PolicyForm(request.POST or None, systems=_backup_systems(request))
    if not form.is_bound and request.GET.get("system"):
        form.initial["system"] = request.GET["system"]
    return form_page(
        request,
        form,
        lambda data: services.policy_create(
            actor=request.user, context=AuditContext.from_request(request), **data
        ),
        then=lambda policy: reverse("records:policy_detail", args=[policy.pk]),
        message=_("备份策略已登记。"),
        title=_("登记备份策略"),
        back_url=reverse("records:policy_list"),
        form_id="policy-form",
    )


@login_required
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    policy = get_visible(
        BackupPolicy.objects.select_related("system", "system__contract"), request.user, pk=pk
    )
    if not permissions.can_keep_backup_records(request.user, policy.hospital_id, policy.system.contract):
        raise PermissionDenied(_("只有医院管理员或负责该系统的厂商人员可以修改备份策略。"))
    fields = [f for f in services.POLICY_FIELDS if f != "probe"]
    form = PolicyForm(request.POST or None, initial={f: getattr(policy, f) for f in fields})
    return form_page(
        request,
        form,
        lambda data: services.policy_update(
            actor=request.user, policy=policy, context=AuditContext.from_request(request), **data
        ),
        then=lambda p: reverse("records:policy_detail", args=[p.pk]),
        message=_("备份策略已修改。"),
        title=_("修改备份策略"),
        subtitle=f"{policy.system.name} · {policy.name}",
        back_url=reverse("records:policy_detail", args=[policy.pk]),
        form_id="policy-form",
    )


def _service_contract(request: HttpRequest, pk: int) -> Contract:
    contract = get_visible(Contract.objects.select_related("hospital", "vendor"), request.user, pk=pk)
    if not permissions.can_keep_service_records(request.user, contract):
        raise PermissionDenied(_("只有该合同的厂商人员或医院管理员可以登记维保记录。"))
    return contract


def _actions(rows: list[dict[str, Any]]) -> list[meetings.Action]:
    return [meetings.Action(**row) for row in rows]


@login_required
def minutes_new(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _service_contract(request, pk)
    form = MinutesForm(request.POST or None, initial={"held_on": timezone.localdate()})
    return form_page(
        request,
        form,
        lambda data: meetings.minutes_record(
            actor=request.user,
            contract=contract,
            context=AuditContext.from_request(request),
            **{**data, "actions": _actions(data["actions"])},
        ),
        then=lambda m: reverse("records:contract_records", args=[contract.pk]) + f"#minutes-{m.pk}",
        message=_("会议纪要已登记。"),
        title=_("登记需求沟通会议纪要"),
        subtitle=f"{contract.code} · {contract.title}",
        back_url=reverse("records:contract_records", args=[contract.pk]),
        form_id="minutes-form",
    )


@login_required
def minutes_edit(request: HttpRequest, pk: int) -> HttpResponse:
    minutes = get_visible(MeetingMinutes.objects.select_related("contract"), request.user, pk=pk)
    contract = _service_contract(request, minutes.contract_id)
    initial = {f: getattr(minutes, f) for f in ("held_on", "title", "attendees", "topics", "decisions")}
    form = MinutesForm(request.POST or None, initial=initial)
    form.fields["actions"].label = _("追加待办事项（每行一项：事项｜负责人｜期限）")

    def save(data: dict[str, Any]) -> MeetingMinutes:
        with transaction.atomic():
            ctx = AuditContext.from_request(request)
            actions = _actions(data.pop("actions"))
            meetings.minutes_update(actor=request.user, minutes=minutes, context=ctx, **data)
            if actions:
                meetings.minutes_add_actions(
                    actor=request.user, minutes=minutes, actions=actions, context=ctx
                )
        return minutes

    return form_page(
        request,
        form,
        save,
        then=lambda m: reverse("records:contract_records", args=[contract.pk]) + f"#minutes-{m.pk}",
        message=_("会议纪要已修改。"),
        title=_("修改会议纪要"),
        subtitle=f"{contract.code} · {minutes.title}",
        back_url=reverse("records:contract_records", args=[contract.pk]),
        form_id="minutes-form",
    )


@login_required
def tuning_new(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _service_contract(request, pk)
    form = TuningForm(request.POST or None, contract=contract, initial={"done_on": timezone.localdate()})
    return form_page(
        request,
        form,
        lambda data: meetings.tuning_record(
            actor=request.user, contract=contract, context=AuditContext.from_request(request), **data
        ),
        then=lambda r: reverse("records:contract_records", args=[contract.pk]) + f"#tuning-{r.pk}",
        message=_("调优记录已登记。"),
        title=_("登记系统调优记录"),
        subtitle=f"{contract.code} · {contract.title}",
        back_url=reverse("records:contract_records", args=[contract.pk]),
        form_id="tuning-form",
    )


@login_required
def tuning_edit(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_visible(TuningRecord.objects.select_related("contract"), request.user, pk=pk)
    contract = _service_contract(request, record.contract_id)
    initial = {
        f: getattr(record, f) for f in ("done_on", "system", "what", "why", "measure", "before", "after")
    }
    form = TuningForm(request.POST or None, contract=contract, initial=initial)
    return form_page(
        request,
        form,
        lambda data: meetings.tuning_update(
            actor=request.user, record=record, context=AuditContext.from_request(request), **data
        ),
        then=lambda r: reverse("records:contract_records", args=[contract.pk]) + f"#tuning-{r.pk}",
        message=_("调优记录已修改。"),
        title=_("修改系统调优记录"),
        subtitle=f"{contract.code} · {contract.title}",
        back_url=reverse("records:contract_records", args=[contract.pk]),
        form_id="tuning-form",
    )
