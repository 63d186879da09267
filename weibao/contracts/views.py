"""Pages of the contracts app: contracts, their terms as the hospital reads them, the inventory."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts import permissions
from weibao.audit.context import AuditContext
from weibao.core.db import as_id
from weibao.core.forms import submit
from weibao.core.tenancy import get_visible

from . import services
from .forms import FromTemplateForm, TermForm
from .models import Contract, ContractStatus, MaintainedSystem, ServiceTerm
from .targets import describe
from .template_loader import UnknownTemplateError, get_template, list_templates
from .template_schema import Channel

CHANNEL_LABELS = {c.value: c.label for c in Channel}


def term_rows(terms) -> list[dict]:
    """The service table as the seed prints it: 序号 / 服务项目 / 服务内容 / 服务方式 / 响应 / 到场 / 解决."""
    return [
        {
            "term": t,
            "channels": "、".join(CHANNEL_LABELS.get(c, c) for c in t.channels),
            "response": describe(t.response),
            "onsite": describe(t.onsite),
            "resolution": describe(t.resolution),
            "escalate": describe(t.escalate_onsite)
            if t.escalate_onsite and t.escalate_onsite.get("within")
            else "",
        }
        for t in terms
    ]


@login_required
def contract_list(request: HttpRequest) -> HttpResponse:
    qs = Contract.objects.visible_to(request.user).select_related("hospital", "vendor")
    status = request.GET.get("status")
    if status in ContractStatus.values:
        qs = qs.with_status(status)  # today's status: 未生效/履行中/已到期 follow the dates
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    can_create = permissions.can_create_contracts(request.user)
    return render(
        request,
        "contracts/contract_list.html",
        {
            "page": page,
            "status": status,
            "can_create": can_create,
            "sees_money": permissions.sees_contract_money(request.user),
        },
    )


@login_required
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contract = get_visible(
        Contract.objects.select_related("hospital", "vendor", "renewal_of"), request.user, pk=pk
    )
    severities = [
        {
            "s": s,
            "response": describe(s.response),
            "onsite": describe(s.onsite),
            "resolution": describe(s.resolution),
        }
        for s in contract.severities.all()
    ]
    return render(
        request,
        "contracts/contract_detail.html",
        {
            "contract": contract,
            "rows": term_rows(contract.terms.all()),
            "severities": severities,
            "milestones": contract.payment_milestones.all(),
            "deductions": contract.deduction_rules.all(),
            "systems": contract.systems.prefetch_related("modules", "interfaces"),
            "can_edit": services.can_manage_contract(request.user, contract.hospital_id),
            "sees_money": permissions.sees_contract_money(request.user),
            "channels": "、".join(CHANNEL_LABELS.get(c, c) for c in contract.channels),
        },
    )


def _suggest(form: FromTemplateForm, template_code: Any, hospital_id: Any, start: Any) -> tuple[str, str]:
    """The title and code the wizard proposes for the chosen template, hospital and start
    ("", "" until the template and hospital are known)."""
    try:
        template = get_template(str(template_code or ""))
    except UnknownTemplateError:
        return "", ""
    hospital = form.fields["hospital"].queryset.filter(pk=as_id(hospital_id)).first()
    if hospital is None:
        return "", ""
    try:
        day = date.fromisoformat(str(start)) if start else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    return services.default_title(template, hospital), services.default_code(template, hospital, day)


@login_required
def contract_from_template(request: HttpRequest) -> HttpResponse:
    if not permissions.can_create_contracts(request.user):
        raise PermissionDenied(_("只有医院管理员可以新建合同。"))
    template_code = request.GET.get("template") or next(iter(list_templates()), ("", ""))[0]
    form = FromTemplateForm(request.POST or None, user=request.user, initial={"template": template_code})
    hospital = form.fields["hospital"].initial
    title, code = _suggest(form, template_code, getattr(hospital, "pk", None), None)
    if request.method != "POST":
        form.initial.update({"title": title, "code": code})
    done = submit(
        request,
        form,
        lambda data: services.contract_create_from_template(
            actor=request.user,
            template=get_template(data["template"]),
            hospital=data["hospital"],
            vendor=data["vendor"],
            start=data["start"],
            end=data["end"],
            amount=data["amount"],
            code=data["code"] or None,
            title=data["title"] or None,
            context=AuditContext.from_request(request),
        ),
        then=lambda contract: reverse("contracts:contract_detail", args=[contract.pk]),
        message=_("合同已按模板创建，可逐项修改服务条款。"),
    )
    return done or render(
        request,
        "contracts/contract_new.html",
        {
            "form": form,
            "suggested_title": request.POST.get("suggested_title", title),
            "suggested_code": request.POST.get("suggested_code", code),
        },
    )


@login_required
def template_preview(request: HttpRequest) -> HttpResponse:
    """htmx: the chosen template's service table, before the contract is created; and the title
    and code proposed for the chosen hospital, put into their fields unless the user typed their
    own (a field still holding the previous proposal, or empty, takes the new one)."""
    try:
        template = get_template(request.GET.get("template", ""))
    except UnknownTemplateError:
        return HttpResponse("")
    rows = [
        {
            "term": t,
            "channels": "、".join(c.label for c in t.channels),
            "response": describe(t.response.model_dump(mode="json", exclude_none=True)) if t.response else "",
            "onsite": describe(t.onsite.model_dump(mode="json", exclude_none=True)) if t.onsite else "",
            "resolution": describe(t.resolution.model_dump(mode="json", exclude_none=True))
            if t.resolution
            else "",
        }
        for t in template.service_terms
    ]
    form = FromTemplateForm(user=request.user)
    title, code = _suggest(form, template.code, request.GET.get("hospital"), request.GET.get("start"))
    widgets = {}
    for name, suggestion in (("title", title), ("code", code)):
        current = request.GET.get(name, "")
        if suggestion and current in ("", request.GET.get(f"suggested_{name}", "")):
            form.initial[name] = suggestion
            widgets[f"{name}_widget"] = form[name].as_widget(attrs={"hx-swap-oob": "true"})
    return render(
        request,
        "contracts/_template_preview.html",
        {"template": template, "rows": rows, "suggested_title": title, "suggested_code": code, **widgets},
    )


@login_required
def term_edit(request: HttpRequest, pk: int) -> HttpResponse:
    term = get_visible(ServiceTerm.objects.select_related("contract"), request.user, pk=pk)
    if not services.can_manage_contract(request.user, term.contract.hospital_id):
        raise PermissionDenied(_("只有医院管理员可以修改合同。"))
    form = TermForm(request.POST or None, initial=TermForm.initial_for(term), contract=term.contract)
    done = submit(
        request,
        form,
        lambda data: services.term_update(
            actor=request.user,
            term=term,
            context=AuditContext.from_request(request),
            item=data["item"],
            category=data["category"],
            content=data["content"],
            channels=data["channels"],
            response=data["response"],
            onsite=data["onsite"],
            resolution=data["resolution"],
            escalate_onsite=data["escalate_onsite"],
        ),
        then=lambda _term: reverse("contracts:contract_detail", args=[term.contract_id]),
        message=_("服务项目已保存。"),
    )
    return done or render(request, "contracts/term_form.html", {"form": form, "term": term})


@login_required
def system_list(request: HttpRequest) -> HttpResponse:
    qs = MaintainedSystem.objects.visible_to(request.user).select_related("hospital", "contract", "vendor")
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    # The hospital's admins print the QR codes that carry these systems.
    can_print_qr = permissions.can_create_contracts(request.user)
    return render(request, "contracts/system_list.html", {"page": page, "can_print_qr": can_print_qr})


@login_required
def system_detail(request: HttpRequest, pk: int) -> HttpResponse:
    system = get_visible(
        MaintainedSystem.objects.select_related("hospital", "contract", "campus"), request.user, pk=pk
    )
    return render(
        request,
        "contracts/system_detail.html",
        {
            "system": system,
            "modules": system.modules.all(),
            "interfaces": system.interfaces.select_related("module"),
            "endpoints": system.endpoints.all(),
            "show_credentials": permissions.can_see_credentials_of_system(request.user, system),
        },
    )
