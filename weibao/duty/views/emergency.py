"""Pages of emergency plans and incident reports: the list, one report with its timeline (signed
off by the hospital, printed as DOCX), one plan with its drills."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weibao.accounts import permissions
from weibao.audit.context import AuditContext
from weibao.contracts.models import Contract
from weibao.core.pagination import request_page
from weibao.core.tenancy import get_visible

from .. import incidents, timeline
from ..choices import MILESTONES, IncidentState
from ..models import EmergencyPlan, IncidentReport


@login_required
def emergency_home(request: HttpRequest) -> HttpResponse:
    """应急: the incident reports (``?list=plans``: the emergency plans) the user sees, by pages."""
    showing = "plans" if request.GET.get("list") == "plans" else "reports"
    rows = (
        EmergencyPlan.objects.visible_to(request.user)
        .select_related("contract", "responsible")
        .order_by("contract_id", "code", "-version", "pk")
        if showing == "plans"
        else IncidentReport.objects.visible_to(request.user)
        .select_related("contract", "contract__hospital")
        .order_by("-created_at", "-pk")
    )
    items, next_url = request_page(request, rows, limit=50)
    # Every contract the user may write under, for the chooser of the new-report form.
    contracts = Contract.objects.visible_to(request.user).order_by("code", "pk")
    writable = [c for c in contracts if permissions.can_write_emergency(request.user, c)]
    return render(
        request,
        "duty/emergency.html",
        {"items": items, "next_url": next_url, "showing": showing, "writable": writable},
    )


@login_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One 应急报告: linked tickets, the timeline from their timestamps, impact, cause, actions."""
    report = get_visible(
        IncidentReport.objects.select_related("contract", "contract__hospital", "plan", "signed_by"),
        request.user,
        pk=pk,
    )
    tl = incidents.incident_timeline(report)
    labels = dict(MILESTONES)
    return render(
        request,
        "duty/incident.html",
        {
            "report": report,
            "milestones": [(m, labels[m], tl.milestones[m]) for m in labels],
            "entries": [(e, labels[e.milestone]) for e in tl.entries],
            "duration": timeline.format_duration(tl.duration),
            "tickets": report.tickets.order_by("created_at", "pk"),
            "can_sign": report.state == IncidentState.DRAFT
            and permissions.can_sign_incident(request.user, report.contract),
            "can_edit": report.state == IncidentState.DRAFT
            and permissions.can_write_emergency(request.user, report.contract),
        },
    )


@login_required
@require_POST
def incident_sign(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_visible(IncidentReport.objects.select_related("contract"), request.user, pk=pk)
    try:
        incidents.incident_sign(actor=request.user, report=report, context=AuditContext.from_request(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("应急报告已签字确认。"))
    return redirect("duty:incident_detail", pk=report.pk)


@login_required
@require_POST
def incident_print(request: HttpRequest, pk: int) -> HttpResponse:
    """Print the report as DOCX (kept in the documents archive) and download it."""
    report = get_visible(IncidentReport.objects.select_related("contract", "hospital"), request.user, pk=pk)
    document = incidents.incident_print(
        actor=request.user, report=report, context=AuditContext.from_request(request)
    )
    return redirect(reverse("documents:download", args=[document.pk]))


@login_required
def emergency_plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One version of an emergency plan, its other versions and its drills."""
    plan = get_visible(
        EmergencyPlan.objects.select_related("contract", "responsible", "system"), request.user, pk=pk
    )
    versions = EmergencyPlan.objects.filter(contract=plan.contract, code=plan.code).order_by("-version")
    return render(
        request,
        "duty/emergency_plan.html",
        {
            "plan": plan,
            "versions": versions,
            "drills": plan.drills.order_by("-date", "-pk"),
            "can_write": permissions.can_write_emergency(request.user, plan.contract),
        },
    )
