"""Reporting a fault: the staff and phone forms, the mobile QR form and its status page, the QR sheet; a one-time form token stops a double submit."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.choices import OrgKind
from weibao.accounts.models import Department, Organization
from weibao.audit.context import AuditContext
from weibao.contracts.models import Contract, MaintainedSystem, Module
from weibao.core import idempotency
from weibao.core.db import as_id
from weibao.core.forms import submit

from .. import permissions, reporting, routing, services
from ..choices import TicketChannel, TicketState
from ..forms import MobileReportForm, TicketForm
from ..models import Ticket
from .lookup import visible_ticket

SUBMIT_TOKEN = "submit_token"


def _submit_token(request: HttpRequest) -> str:
    """The form's one-time token: the one posted (kept while the form is shown again with its
    errors), or a new one for a new form."""
    posted = (request.POST.get(SUBMIT_TOKEN) or "").strip()
    return posted[: idempotency.MAX_LENGTH] if posted else secrets.token_urlsafe(24)


def _create_once(request: HttpRequest, scope: str, create: Callable[[], Ticket]) -> tuple[Ticket, bool]:
    """Create a ticket from a report form unless this form (its token) already made one; then
    that ticket. Returns the ticket and whether it was made earlier."""
    token = (request.POST.get(SUBMIT_TOKEN) or "").strip()[: idempotency.MAX_LENGTH]
    if not token:  # a form from before the token existed, or a client posting by hand
        return create(), False
    made: list[Ticket] = []

    def run() -> tuple[int, str, int]:
        made.append(create())
        return 201, "", made[0].pk

    # The content does not matter: a form sent twice is the same report, even if edited between.
    outcome = idempotency.run_once(user=request.user, scope=scope, key=token, request_data=scope, create=run)
    if not outcome.replayed:
        return made[0], False
    return visible_ticket(request, outcome.object_id), True


def _create_from_form(
    request: HttpRequest, form: TicketForm, *, respond: bool, channel: str | None = None
) -> Ticket:
    data = form.cleaned_data
    return services.ticket_create(
        actor=request.user,
        contract=data["contract"],
        term=data["term"],
        title=data["title"],
        description=data.get("description", ""),
        severity=data.get("severity"),
        system=data.get("system"),
        module=data.get("module"),
        channel=channel or data["channel"],
        caller_name=data.get("caller_name", ""),
        caller_department=data.get("caller_department", ""),
        caller_phone=data.get("caller_phone", ""),
        location=data.get("location", ""),
        respond=respond,
        context=AuditContext.from_request(request),
    )


@login_required
def ticket_new(request: HttpRequest, *, phone: bool = False) -> HttpResponse:
    form = TicketForm(
        request.POST or None,
        user=request.user,
        initial={
            "contract": request.GET.get("contract"),
            "channel": TicketChannel.PHONE if phone else TicketChannel.WEB,
        },
    )

    def created(made: tuple[Ticket, bool]) -> str:
        ticket, earlier = made
        if earlier:
            messages.info(
                request, _("该表单已提交过，未重复建单：这是当时创建的工单 %(n)s。") % {"n": ticket.number}
            )
        else:
            messages.success(request, _("工单 %(n)s 已创建。") % {"n": ticket.number})
        return reverse("servicedesk:ticket_detail", args=[ticket.pk])

    if request.POST.get("refresh") != "1":  # a change of contract only redraws the fields
        done = submit(
            request,
            form,
            lambda _data: _create_once(
                request,
                "form.ticket_phone" if phone else "form.ticket_new",
                lambda: _create_from_form(
                    request, form, respond=phone, channel=TicketChannel.PHONE if phone else None
                ),
            ),
            then=created,
        )
        if done is not None:
            return done
    template = "servicedesk/ticket_phone.html" if phone else "servicedesk/ticket_new.html"
    if request.htmx and request.POST.get("refresh") == "1":
        form.errors.clear()
        return render(request, "servicedesk/_ticket_form_fields.html", {"form": form})
    return render(
        request,
        template,
        {
            "form": form,
            "phone": phone,
            "submit_token": _submit_token(request),
            "no_route": "" if form.fields["contract"].queryset.exists() else _no_route(request),
        },
    )


def _no_route(request: HttpRequest) -> str:
    hospital_ids = {m.organization_id for m in request.user.active_memberships()}
    hospital = Organization.objects.filter(pk__in=hospital_ids, kind=OrgKind.HOSPITAL).first()
    return routing.no_route_message(hospital)


@login_required
def ticket_phone(request: HttpRequest) -> HttpResponse:
    return ticket_new(request, phone=True)


def _report_context(request: HttpRequest) -> dict[str, Any]:
    """The QR code's prefill (department, system, module: ids the user must be able to see) and
    where the report may go (:mod:`..routing`): the contract in force that covers the system; if
    the code names no system and several contracts could take it, the routes to choose from."""

    def visible(model, key):
        raw = request.GET.get(key) or request.POST.get(key)
        if as_id(raw) is None:
            return None
        return model.objects.visible_to(request.user).filter(pk=as_id(raw)).first()

    department = visible(Department, "d")
    system = visible(MaintainedSystem, "s")
    module = visible(Module, "m")
    if module is not None and system is not None and module.system_id != system.pk:
        module = None
    if module is not None and system is None:
        system = module.system
    hospital_ids = {m.organization_id for m in request.user.active_memberships()}
    found = routing.routes(hospital_ids, system=system, contracts=Contract.objects.visible_to(request.user))
    named = visible(Contract, "c")  # a code printed before codes carried the system alone
    if named is not None and any(r.contract.pk == named.pk for r in found):
        found = [r for r in found if r.contract.pk == named.pk]
    route = routing.pick(found, request.POST.get("route", "")) or routing.single(found)
    hospital = (
        system.hospital
        if system is not None
        else department.hospital
        if department is not None
        else Organization.objects.filter(pk__in=hospital_ids, kind=OrgKind.HOSPITAL).first()
    )
    return {
        "department": department,
        "system": route.system if route is not None and route.system is not None else system,
        "module": module,
        "routes": found,
        "route": route,
        "contract": route.contract if route is not None else None,
        "hospital": hospital,
        "no_route": "" if found else routing.no_route_message(hospital, system),
    }


@login_required
def mobile_report(request: HttpRequest) -> HttpResponse:
    """The phone form: a department user scans the QR code on a workstation and says what's wrong.
    The report goes to the contract routing finds; when several could take it, the user picks a
    system (plain names) on the same form."""
    context = _report_context(request)
    found: list[routing.Route] = context["routes"]
    ask = len(routing.contracts_of(found)) > 1
    # The fault classes to ask for: the routed contract's, or (asked together with the system)
    # those of the first candidate whose report term needs one; chosen by their order.
    severities = next(
        (
            found_
            for found_ in (reporting.report_severities(c) for c in routing.contracts_of(found))
            if found_
        ),
        [],
    )
    form = MobileReportForm(
        request.POST or None,
        request.FILES or None,
        routes=found if ask else None,
        severities=severities,
    )
    if not found:
        return render(request, "servicedesk/mobile_report.html", {"form": None, **context})

    def create(data: dict[str, Any]) -> tuple[Ticket, bool]:
        route = routing.pick(found, data.get("route", "")) if ask else context["route"]
        if route is None:
            raise ValidationError({"route": _("请选择出问题的系统。")})
        chosen = data.get("severity")
        severity = route.contract.severities.filter(order=chosen).first() if chosen else None
        return _create_once(
            request,
            "form.mobile_report",
            lambda: reporting.ticket_report(
                actor=request.user,
                contract=route.contract,
                title=data["title"],
                description=data["description"],
                system=route.system or context["system"],
                module=context["module"],
                department=context["department"],
                location=data["location"],
                phone=data["phone"],
                photo=data.get("photo") or None,
                severity=severity,
                context=AuditContext.from_request(request),
            ),
        )

    def created(made: tuple[Ticket, bool]) -> str:
        ticket, earlier = made
        if earlier:
            messages.info(request, _("该报修已提交过，未重复建单。"))
        return reverse("servicedesk:report_done", args=[ticket.pk])

    done = submit(request, form, create, then=created)
    return done or render(
        request,
        "servicedesk/mobile_report.html",
        {"form": form, "submit_token": _submit_token(request), "ask": ask, **context},
    )


@login_required
def mobile_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The reporter follows the ticket on the phone, and confirms and rates the fix there."""
    ticket = visible_ticket(request, pk)
    return render(
        request,
        "servicedesk/mobile_status.html",
        {
            "ticket": ticket,
            "clocks": ticket.clocks.all(),
            "now": timezone.now(),
            "events": ticket.events.filter(internal=False).select_related("actor"),
            "can_confirm": ticket.state == TicketState.RESOLVED
            and permissions.can_act_for_hospital(request.user, ticket),
        },
    )


#: Cards on one printed page of the QR sheet (A4, four by six).
QR_PER_PAGE = 24


@login_required
def report_done(request: HttpRequest, pk: int) -> HttpResponse:
    """After reporting: the ticket number, the first deadline, and what happens next."""
    ticket = visible_ticket(request, pk)
    clocks = [c for c in ticket.clocks.all() if c.due_at is not None and c.status in ("running", "paused")]
    return render(
        request,
        "servicedesk/report_done.html",
        {"ticket": ticket, "first": min(clocks, key=lambda c: c.due_at) if clocks else None},
    )


@login_required
def qr_sheet(request: HttpRequest) -> HttpResponse:
    """Printable QR codes (A4, cut out), a page at a time. Without a department: one code per
    department. For a department: its own code, then one per system and per module of the
    hospital (department + system [+ module]), so a scan lands on the contract that covers the
    system. Systems whose contract is not in force (or never will be again) get no code."""
    import segno

    hospital_ids = permissions.administered_org_ids(request.user)
    departments = Department.objects.visible_to(request.user).select_related("hospital", "campus")
    if hospital_ids is not None:
        departments = departments.filter(hospital_id__in=hospital_ids)
    department = departments.filter(pk=as_id(request.GET.get("department"))).first()
    specs: list[tuple[str, str, dict[str, int]]] = []
    if department is None:
        for d in departments.order_by("hospital_id", "name", "pk"):
            campus = " · " + d.campus.name if d.campus_id else ""
            specs.append((d.name, f"{d.hospital.name}{campus}", {"d": d.pk}))
    else:
        specs.append((department.name, department.hospital.name, {"d": department.pk}))
        in_force = Contract.objects.in_force().filter(hospital_id=department.hospital_id)
        systems = (
            MaintainedSystem.objects.visible_to(request.user)
            .filter(hospital_id=department.hospital_id)
            .filter(Q(contract__isnull=True) | Q(contract__in=in_force) | Q(contract__renewals__in=in_force))
            .distinct()
            .select_related("vendor", "contract__vendor")
            .prefetch_related("modules")
            .order_by("name", "pk")
        )
        for system in systems:
            vendor = system.contract.vendor.name if system.contract_id else ""
            params = {"d": department.pk, "s": system.pk}
            specs.append((system.name, " · ".join(p for p in (department.name, vendor) if p), params))
            for module in system.modules.all():
                specs.append((f"{system.name} · {module.name}", department.name, {**params, "m": module.pk}))
    page = Paginator(specs, QR_PER_PAGE).get_page(request.GET.get("page"))
    base = request.build_absolute_uri(reverse("servicedesk:mobile_report"))
    cards = []
    for title, subtitle, params in page:
        url = f"{base}?{urlencode(params)}"
        svg = segno.make(url, error="m").svg_inline(scale=3, dark="#17364a")
        cards.append({"title": title, "subtitle": subtitle, "url": url, "svg": svg})
    return render(
        request,
        "servicedesk/qr_sheet.html",
        {
            "cards": cards,
            "page": page,
            "department": department,
            "departments": departments.order_by("hospital_id", "name", "pk"),
        },
    )


# --- data changes and change requests ----------------------------------------------------------------
