"""The POSTs of the assessment pages. Each parses its form, calls one service and goes back to
the page with a message: a refused input is a message on the page, never a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weibao.audit.context import AuditContext
from weibao.contracts.models import Contract, PaymentMilestone
from weibao.core.tenancy import get_visible

from .. import marking, services
from ..forms import ActForm, DrawForm, MarkForm, MilestoneForm, OpenForm, TerminationForm, WaiveForm
from ..models import Assessment, DeductionLine, Evaluation, SampleRow
from ..paying import milestone_record
from ..report import evaluation_report_produce
from ..selectors import assessments_visible
from .pages import _money


def _run(request: HttpRequest, form: forms.Form, call: Callable[[dict[str, Any]], Any], done: str) -> bool:
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}：{' '.join(errors)}" if label else " ".join(errors))
        return False
    try:
        call(form.cleaned_data)
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            messages.error(request, " ".join(errors))
        return False
    messages.success(request, done)
    return True


def _assessment(request: HttpRequest, pk: int) -> Assessment:
    _money(request)
    found: Assessment = get_visible(assessments_visible(request.user), request.user, pk=pk)
    return found


def _back(a: Assessment, anchor: str = "") -> HttpResponse:
    return redirect(f"/assessments/{a.pk}/{anchor}")


@login_required
@require_POST
def assessment_open(request: HttpRequest, pk: int) -> HttpResponse:
    _money(request)
    contract = get_visible(Contract.objects, request.user, pk=pk)
    form = OpenForm(request.POST, rules=[(r["code"], r["name"]) for r in contract.assessments or []])
    opened: list[Assessment] = []

    def call(d: dict[str, Any]) -> None:
        opened.append(
            services.assessment_open(
                actor=request.user,
                contract=contract,
                rule=d["rule"],
                period=d["period"].strip().upper(),
                context=AuditContext.from_request(request),
            )
        )

    if _run(request, form, call, _("考核已创建。")):
        return _back(opened[0])
    return redirect("assessments:contract", pk=contract.pk)


ACTIONS = {"submit", "review", "sign", "reopen", "refresh"}


@login_required
@require_POST
def assessment_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    a = _assessment(request, pk)
    form = ActForm(request.POST)
    ctx = AuditContext.from_request(request)
    user: Any = request.user

    def call(d: dict[str, Any]) -> None:
        passed = {"yes": True, "no": False}.get(d.get("passed") or "")
        if action == "submit":
            services.assessment_submit(actor=user, assessment=a, self_assessment=d["note"], context=ctx)
        elif action == "review":
            services.assessment_review(
                actor=user, assessment=a, opinion=d["note"], passed=passed, context=ctx
            )
        elif action == "sign":
            services.assessment_sign(actor=user, assessment=a, context=ctx)
        elif action == "reopen":
            services.assessment_reopen(actor=user, assessment=a, reason=d["note"], context=ctx)
        elif action == "refresh":
            services.assessment_refresh(actor=user, assessment=a, context=ctx)
        else:
            raise ValidationError({"action": _("未知的操作。")})

    labels = {
        "submit": _("已提交自评。"),
        "review": _("已评价。"),
        "sign": _("考核已签署。"),
        "reopen": _("考核已重新打开。"),
    }
    _run(request, form, call, labels.get(action, _("已重新计算。")))
    return _back(a)


@login_required
@require_POST
def termination(request: HttpRequest, pk: int) -> HttpResponse:
    a = _assessment(request, pk)

    def call(d: dict[str, Any]) -> None:
        services.termination_decide(
            actor=request.user,  # type: ignore[arg-type]
            assessment=a,
            confirm=d["confirm"] == "1",
            reason=d["reason"],
            context=AuditContext.from_request(request),
        )

    _run(request, TerminationForm(request.POST), call, _("已记录终止决定。"))
    return _back(a)


@login_required
@require_POST
def sample_draw(request: HttpRequest, pk: int) -> HttpResponse:
    _money(request)
    ev = get_visible_child(request, Evaluation.objects.select_related("assessment"), "assessment", pk)

    def call(d: dict[str, Any]) -> None:
        marking.sample_draw(
            actor=request.user,  # type: ignore[arg-type]
            evaluation=ev,
            size=d.get("size"),
            percent=d.get("percent"),
            seed=d.get("seed"),
            context=AuditContext.from_request(request),
        )

    _run(request, DrawForm(request.POST), call, _("已抽取样本。"))
    return _back(ev.assessment, f"#evaluation-{ev.pk}")


@login_required
@require_POST
def sample_mark(request: HttpRequest, pk: int) -> HttpResponse:
    _money(request)
    row = get_visible_child(
        request, SampleRow.objects.select_related("evaluation__assessment"), "evaluation__assessment", pk
    )

    def call(d: dict[str, Any]) -> None:
        marking.sample_mark(
            actor=request.user,  # type: ignore[arg-type]
            row=row,
            result=d["result"],
            reason=d.get("reason") or "",
            context=AuditContext.from_request(request),
        )

    _run(request, MarkForm(request.POST), call, _("已评价。"))
    return _back(row.evaluation.assessment, f"#row-{row.pk}")


@login_required
@require_POST
def deduction_waive(request: HttpRequest, pk: int) -> HttpResponse:
    _money(request)
    line = get_visible_child(request, DeductionLine.objects.select_related("assessment"), "assessment", pk)

    def call(d: dict[str, Any]) -> None:
        marking.deduction_waive(
            actor=request.user,  # type: ignore[arg-type]
            line=line,
            waive=d["waive"] == "1",
            reason=d["reason"],
            context=AuditContext.from_request(request),
        )

    _run(request, WaiveForm(request.POST), call, _("已更新扣款。"))
    return _back(line.assessment, "#deductions")


@login_required
@require_POST
def milestone_update(request: HttpRequest, pk: int) -> HttpResponse:
    _money(request)
    milestone = get_visible(PaymentMilestone.objects.select_related("contract"), request.user, pk=pk)
    form = MilestoneForm(request.POST)

    def call(d: dict[str, Any]) -> None:
        given = {k: v for k, v in d.items() if k in request.POST and request.POST[k].strip() != ""}
        if not given:
            raise ValidationError({"": _("请至少填写一项。")})
        milestone_record(
            actor=request.user,  # type: ignore[arg-type]
            milestone=milestone,
            context=AuditContext.from_request(request),
            **given,
        )

    _run(request, form, call, _("已登记。"))
    return redirect(f"/assessments/contract/{milestone.contract_id}/#milestone-{milestone.pk}")


def get_visible_child(request: HttpRequest, queryset: Any, path: str, pk: int) -> Any:
    """A row that belongs to an assessment the user sees; 404 otherwise."""
    from django.http import Http404

    visible = assessments_visible(request.user).values("pk")
    row = queryset.filter(pk=pk, **{f"{path}__in": visible}).first()
    if row is None:
        raise Http404
    return row


@login_required
@require_POST
def evaluation_report(request: HttpRequest, pk: int) -> HttpResponse:
    """Print the 维保服务评价报告 and download it (archived with its SHA-256)."""
    a = _assessment(request, pk)
    doc = evaluation_report_produce(
        actor=request.user,  # type: ignore[arg-type]
        assessment=a,
        context=AuditContext.from_request(request),
    )
    messages.success(request, _("评价报告已生成并存档。"))
    return redirect("documents:download", doc.pk)
