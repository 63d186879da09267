"""The forms of the emergency pages (phone-friendly): a new incident report from the contract's
tickets, filling it in (impact, cause, corrective actions), a new emergency plan or a revision
of one (a new version), a drill of a plan. Each saves through :mod:`weibao.duty.incidents`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts import permissions
from weibao.audit.context import AuditContext
from weibao.contracts.models import Contract
from weibao.core.db import as_id
from weibao.core.forms import form_page
from weibao.core.tenancy import get_visible
from weibao.servicedesk.models import Ticket

from .. import incidents
from ..choices import IncidentState
from ..forms import DrillForm, EmergencyPlanForm, IncidentEditForm, IncidentForm, escalation_text
from ..models import Drill, EmergencyPlan, IncidentReport


def _writable(request: HttpRequest, pk: int) -> Contract:
    contract = get_visible(Contract.objects.select_related("hospital", "vendor"), request.user, pk=pk)
    permissions.require_write_emergency(request.user, contract)
    return contract


@login_required
def emergency_new(request: HttpRequest) -> HttpResponse:
    """The emergency page's chooser: ``?contract=<id>&what=incident|plan`` goes to the form."""
    pk = as_id(request.GET.get("contract"))
    if pk is None:
        raise Http404
    contract = _writable(request, pk)
    name = "duty:emergency_plan_new" if request.GET.get("what") == "plan" else "duty:incident_new"
    return redirect(name, pk=contract.pk)


@login_required
def incident_new(request: HttpRequest, pk: int) -> HttpResponse:
    """新建应急报告 over some of the contract's newest tickets (``?ticket=`` ticks one)."""
    contract = _writable(request, pk)
    form = IncidentForm(
        request.POST or None, contract=contract, tickets=Ticket.objects.visible_to(request.user)
    )
    if not form.is_bound and request.GET.get("ticket", "").isdigit():
        form.initial["tickets"] = [int(request.GET["ticket"])]
    return form_page(
        request,
        form,
        lambda data: incidents.incident_create(
            actor=request.user,
            contract=contract,
            title=data["title"],
            tickets=data["tickets"],
            plan=data["plan"],
            context=AuditContext.from_request(request),
        ),
        then=lambda report: reverse("duty:incident_edit", args=[report.pk]),
        message=_("应急报告已建立，请填写影响、原因和整改措施。"),
        title=_("新建应急报告"),
        back_url=reverse("duty:emergency_home"),
        subtitle=f"{contract.code} · {contract.title}",
        hint=_("时间线由关联工单的报告、响应、到场和解决时间生成。"),
        form_id="incident-form",
    )


@login_required
def incident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Fill in a draft report: impact, root cause, data loss, corrective actions."""
    report = get_visible(IncidentReport.objects.select_related("contract"), request.user, pk=pk)
    permissions.require_write_emergency(request.user, report.contract)
    if report.state == IncidentState.SIGNED:
        messages.error(request, _("应急报告已签字，不能再修改。"))
        return redirect("duty:incident_detail", pk=report.pk)
    initial: dict[str, Any] = {f: getattr(report, f) for f in incidents.INCIDENT_FIELDS}
    initial["actions"] = "\n".join(
        f"{a.action}｜{a.owner}｜{a.due.isoformat()}" for a in report.actions.order_by("due", "pk")
    )
    form = IncidentEditForm(request.POST or None, initial=initial)

    def save(data: dict[str, Any]) -> IncidentReport:
        actions = data.pop("actions")
        return incidents.incident_update(
            actor=request.user,
            report=report,
            actions=actions,
            context=AuditContext.from_request(request),
            **data,
        )

    return form_page(
        request,
        form,
        save,
        then=lambda r: reverse("duty:incident_detail", args=[r.pk]),
        message=_("应急报告已保存。"),
        title=_("填写应急报告"),
        back_url=reverse("duty:incident_detail", args=[report.pk]),
        subtitle=report.title,
        form_id="incident-edit-form",
    )


@login_required
def emergency_plan_new(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _writable(request, pk)
    form = EmergencyPlanForm(
        request.POST or None, contract=contract, initial={"responsible": request.user.pk}
    )
    return form_page(
        request,
        form,
        lambda data: incidents.emergency_plan_save(
            actor=request.user, contract=contract, context=AuditContext.from_request(request), **data
        ),
        then=lambda plan: reverse("duty:emergency_plan_detail", args=[plan.pk]),
        message=_("应急预案已保存。"),
        title=_("新建应急预案"),
        back_url=reverse("duty:emergency_home") + "?list=plans",
        subtitle=f"{contract.code} · {contract.title}",
        form_id="emergency-plan-form",
    )


@login_required
def emergency_plan_revise(request: HttpRequest, pk: int) -> HttpResponse:
    """A revision of a plan: the form starts from this version and saves the next one."""
    plan = get_visible(EmergencyPlan.objects.select_related("contract"), request.user, pk=pk)
    contract = plan.contract
    permissions.require_write_emergency(request.user, contract)
    initial = {
        "code": plan.code,
        "title": plan.title,
        "system": plan.system_id,
        "responsible": plan.responsible_id,
        "content": plan.content,
        "escalation": escalation_text(plan.escalation),
    }
    form = EmergencyPlanForm(request.POST or None, contract=contract, revising=True, initial=initial)
    return form_page(
        request,
        form,
        lambda data: incidents.emergency_plan_save(
            actor=request.user, contract=contract, context=AuditContext.from_request(request), **data
        ),
        then=lambda new: reverse("duty:emergency_plan_detail", args=[new.pk]),
        message=lambda new: _("已保存为第 %(v)d 版。") % {"v": new.version},
        title=_("修订应急预案"),
        back_url=reverse("duty:emergency_plan_detail", args=[plan.pk]),
        subtitle=_("%(plan)s：保存后成为新版本，旧版本保留。") % {"plan": plan},
        form_id="emergency-plan-form",
    )


@login_required
def drill_new(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_visible(EmergencyPlan.objects.select_related("contract"), request.user, pk=pk)
    if not permissions.can_write_emergency(request.user, plan.contract):
        raise PermissionDenied(_("只有厂商人员或医院管理员可以登记应急演练。"))
    form = DrillForm(request.POST or None, initial={"date": timezone.localdate()})
    return form_page(
        request,
        form,
        lambda data: incidents.drill_record(
            actor=request.user,
            plan=plan,
            context=AuditContext.from_request(request),
            **incidents.drill_fields(data),
        ),
        then=lambda drill: reverse("duty:emergency_plan_detail", args=[plan.pk]),
        message=_("应急演练已登记。"),
        title=_("登记应急演练"),
        back_url=reverse("duty:emergency_plan_detail", args=[plan.pk]),
        subtitle=str(plan),
        form_id="drill-form",
    )


@login_required
def drill_edit(request: HttpRequest, pk: int) -> HttpResponse:
    drill = get_visible(Drill.objects.select_related("contract", "plan"), request.user, pk=pk)
    if not permissions.can_write_emergency(request.user, drill.contract):
        raise PermissionDenied(_("只有厂商人员或医院管理员可以修改应急演练。"))
    fields = ("date", "scenario", "participants", "findings")
    form = DrillForm(request.POST or None, initial={f: getattr(drill, f) for f in fields})
    back = reverse("duty:emergency_plan_detail", args=[drill.plan_id]) + f"#drill-{drill.pk}"
    return form_page(
        request,
        form,
        lambda data: incidents.drill_update(
            actor=request.user,
            drill=drill,
            context=AuditContext.from_request(request),
            **incidents.drill_fields(data),
        ),
        then=lambda _drill: back,
        message=_("应急演练已修改。"),
        title=_("修改应急演练"),
        back_url=back,
        subtitle=str(drill.plan),
        form_id="drill-form",
    )
