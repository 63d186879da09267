"""The assessment pages: the list, a contract's assessments and payments, one assessment with its
facts (each with a drill-down to the records behind it), sample, deductions and history."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from weibao.accounts import permissions
from weibao.contracts.models import Contract
from weibao.core.pagination import request_page
from weibao.core.tenancy import get_visible
from weibao.inspections.models import Inspection
from weibao.servicedesk.models import Ticket

from ..choices import AssessmentState
from ..forms import ActForm, DrawForm, MarkForm, MilestoneForm, OpenForm, TerminationForm, WaiveForm
from ..models import Assessment
from ..selectors import assessments_visible, drill_ids, payment_schedule


def _money(request: HttpRequest) -> None:
    if not permissions.sees_contract_money(request.user):
        raise PermissionDenied(_("考核与付款不向科室用户开放。"))


@login_required
def assessment_list(request: HttpRequest) -> HttpResponse:
    """考核: every assessment of the contracts the user sees, newest period first."""
    _money(request)
    rows = assessments_visible(request.user).order_by("-start", "-pk")
    items, next_url = request_page(request, rows, limit=50)
    contracts = Contract.objects.visible_to(request.user).order_by("code")
    return render(
        request,
        "assessments/assessment_list.html",
        {"items": items, "next_url": next_url, "contracts": contracts},
    )


@login_required
def contract_assessments(request: HttpRequest, pk: int) -> HttpResponse:
    """One contract's assessments, the form to open one, and its payment schedule."""
    _money(request)
    contract = get_visible(Contract.objects, request.user, pk=pk)
    rules = [(r["code"], r["name"]) for r in contract.assessments or []]
    return render(
        request,
        "assessments/contract.html",
        {
            "contract": contract,
            "assessments": assessments_visible(request.user)
            .filter(contract=contract)
            .order_by("start", "rule"),
            "open_form": OpenForm(rules=rules),
            "can_open": permissions.can_prepare_assessment(request.user, contract),
            "schedule": payment_schedule(contract),
            "can_pay": permissions.can_record_payment(request.user, contract),
            "can_invoice": permissions.can_record_invoice(request.user, contract),
            "milestone_form": MilestoneForm(),
        },
    )


DRILL_LABELS = {
    "tickets": _("本期工单"),
    "closed": _("已关闭工单（抽查总体）"),
    "adverse_events": _("恶性事件"),
    "vendor_faults": _("乙方原因故障"),
}


def _drill(request: HttpRequest, assessment: Assessment, key: str) -> dict[str, Any] | None:
    if not key:
        return None
    ids = drill_ids(assessment.facts, key)
    if key.startswith("inspections."):
        rows: Any = Inspection.objects.visible_to(request.user).filter(pk__in=ids).order_by("due")
        return {"key": key, "inspections": list(rows), "count": len(ids)}
    tickets = Ticket.objects.visible_to(request.user).filter(pk__in=ids).select_related("severity", "system")
    return {"key": key, "tickets": list(tickets.order_by("created_at")), "count": len(ids)}


@login_required
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _money(request)
    assessment = get_visible(assessments_visible(request.user), request.user, pk=pk)
    contract = assessment.contract
    evaluate = permissions.can_evaluate_assessment(request.user, contract)
    prepare = permissions.can_prepare_assessment(request.user, contract)
    signed = assessment.state == AssessmentState.SIGNED
    evaluations = []
    for ev in assessment.evaluations.all():
        rows = list(ev.rows.select_related("ticket", "marked_by"))
        evaluations.append(
            {
                "ev": ev,
                "rows": rows,
                "marked": sum(1 for r in rows if r.result != "pending"),
                "passed": sum(1 for r in rows if r.result == "pass"),
            }
        )
    return render(
        request,
        "assessments/assessment_detail.html",
        {
            "a": assessment,
            "contract": contract,
            "facts": assessment.facts,
            "drill": _drill(request, assessment, request.GET.get("show", "")),
            "drill_labels": DRILL_LABELS,
            "evaluations": evaluations,
            "lines": list(assessment.deduction_lines.select_related("waived_by")),
            "events": list(assessment.events.select_related("actor")),
            "can_evaluate": evaluate and not signed,
            "can_sign": evaluate and assessment.state == AssessmentState.REVIEWED,
            "can_review": evaluate and not signed,
            "can_reopen": evaluate and signed,
            "can_submit": prepare and assessment.state == AssessmentState.DRAFT,
            "can_refresh": prepare and not signed,
            "can_report": prepare,
            "can_terminate": evaluate and assessment.termination == "proposed",
            "act_form": ActForm(),
            "draw_form": DrawForm(),
            "mark_form": MarkForm(),
            "waive_form": WaiveForm(),
            "termination_form": TerminationForm(),
        },
    )
