"""Pages of the service desk: lists and boards, the staff and phone forms, the mobile QR form,
ticket detail with timeline and clocks, data changes, change requests, ledger export/import."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weibao.accounts.models import Department
from weibao.audit.context import AuditContext
from weibao.contracts.models import Contract, MaintainedSystem, Module
from weibao.core import idempotency
from weibao.core.db import as_id
from weibao.core.forms import submit
from weibao.core.pagination import request_page
from weibao.core.tenancy import get_visible

from . import permissions, records, reporting, saved_filters, services
from .choices import OPEN_STATES, TicketChannel, TicketState
from .forms import ActionForm, ImportForm, MobileReportForm, TicketForm
from .ledger import import_xlsx, xlsx_response
from .models import Attachment, ChangeRequest, DataChange, SavedFilter, Ticket
from .selectors import FilterError, TicketFilter, tickets_for
from .workflow import TRANSITIONS


def home_panel(request: HttpRequest) -> dict[str, Any] | None:
    """我的工作台: my open tickets and the ones closest to breach."""
    user = request.user
    visible = Ticket.objects.visible_to(user)
    mine = visible.filter(assignee=user, state__in=OPEN_STATES).count()
    at_risk = list(
        visible.filter(state__in=OPEN_STATES, next_due_at__isnull=False)
        .select_related("hospital")
        .prefetch_related("clocks")
        .order_by("next_due_at")[:5]
    )
    reported = list(visible.filter(reporter=user).order_by("-created_at")[:5])
    return {
        "title": _("工单"),
        "template": "servicedesk/panel_home.html",
        "mine": mine,
        "at_risk": at_risk,
        "reported": reported,
        "open_count": visible.filter(state__in=OPEN_STATES).count(),
    }


def _filter(params: Any) -> TicketFilter:
    """The list filters of a page's query string; a value that can mean nothing is a 400."""
    try:
        return TicketFilter.from_params(params)
    except FilterError as exc:
        raise BadRequest(
            _("筛选条件“%(name)s”的值“%(value)s”无效：编号须为数字，日期须为存在的日期（如 2026-03-01）。")
            % {"name": exc.name, "value": exc.value}
        ) from exc


def _ticket(request: HttpRequest, pk: int) -> Ticket:
    ticket = (
        Ticket.objects.visible_to(request.user)
        .select_related(
            "contract",
            "hospital",
            "term",
            "severity",
            "system",
            "module",
            "department",
            "reporter",
            "assignee",
        )
        .filter(pk=pk)
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


@login_required
def ticket_list(request: HttpRequest, *, board: str = "") -> HttpResponse:
    params = request.GET.copy()
    if board == "risk":
        params["sort"] = "risk"
    flt = _filter(params)
    qs = (
        tickets_for(request.user, flt)
        .select_related("hospital", "term", "assignee", "severity")
        .prefetch_related("clocks")
    )
    rows, next_url = request_page(request, qs, limit=25)
    query = params.copy()
    query.pop("cursor", None)
    return render(
        request,
        "servicedesk/ticket_list.html",
        {
            "rows": rows,
            "flt": flt,
            "board": board,
            "query": query.urlencode(),
            "next_url": next_url,
            "states": TicketState.choices,
            "saved": SavedFilter.objects.filter(user=request.user),
            "contracts": Contract.objects.visible_to(request.user).select_related("hospital"),
            "now": timezone.now(),
        },
    )


@login_required
def risk_board(request: HttpRequest) -> HttpResponse:
    return ticket_list(request, board="risk")


@login_required
@require_POST
def saved_filter_save(request: HttpRequest) -> HttpResponse:
    name = request.POST.get("name", "").strip()[:64]
    query = request.POST.get("query", "")[:1000]
    if name:
        saved_filters.saved_filter_save(user=request.user, name=name, query=query, replace=True)
        messages.success(request, _("筛选已保存。"))
    return redirect(f"{reverse('servicedesk:ticket_list')}?{query}")


#: The hidden field of a report form that makes a resubmission show the ticket made the first time.
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
    return _ticket(request, outcome.object_id), True


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
    return render(request, template, {"form": form, "phone": phone, "submit_token": _submit_token(request)})


@login_required
def ticket_phone(request: HttpRequest) -> HttpResponse:
    return ticket_new(request, phone=True)


@login_required
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    internal = permissions.sees_internal(request.user, ticket)
    events = ticket.events.select_related("actor")
    if not internal:
        events = events.filter(internal=False)
    actions = [
        t
        for t in TRANSITIONS.values()
        if ticket.state in t.sources
        and t.side != "system"
        and permissions.can_take(request.user, ticket, t.side)
    ]
    assignees = []
    if permissions.can_assign_others(request.user, ticket):
        from weibao.accounts.models import User

        assignees = User.objects.filter(
            memberships__organization_id__in=[ticket.contract.vendor_id],
            memberships__is_active=True,
            is_active=True,
        ).distinct()
    return render(
        request,
        "servicedesk/ticket_detail.html",
        {
            "ticket": ticket,
            "clocks": ticket.clocks.all(),
            "events": events,
            "actions": actions,
            "internal": internal,
            "attachments": ticket.attachments.filter(internal=False)
            if not internal
            else ticket.attachments.all(),
            "can_flag": permissions.can_flag_ticket(request.user, ticket),
            "can_reply": permissions.can_reply_publicly(request.user, ticket),
            "assignees": assignees,
            "watching": ticket.watchers.filter(pk=request.user.pk).exists(),
            "can_take": ticket.assignee_id is None
            and permissions.is_vendor_member(request.user, ticket.contract.vendor_id),
            "now": timezone.now(),
        },
    )


def _refresh_clocks_partial(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    return render(request, "servicedesk/_clocks.html", {"clocks": ticket.clocks.all(), "now": timezone.now()})


@login_required
def ticket_clocks(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the clocks block, polled by the detail page so the colours move as time passes."""
    return _refresh_clocks_partial(request, _ticket(request, pk))


@login_required
@require_POST
def ticket_act(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    form = ActionForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("请求不完整：%(e)s") % {"e": "；".join(f"{k}: {v[0]}" for k, v in form.errors.items())}
        )
        return redirect("servicedesk:ticket_detail", pk=pk)
    data = form.cleaned_data
    try:
        services.ticket_transition(
            actor=request.user,
            ticket=ticket,
            action=data["action"],
            version=data["version"],
            reason=data["reason"] or "",
            solution=data["solution"] or "",
            root_cause=data["root_cause"] or "",
            rating=data["rating"],
            comment=data["comment"] or "",
            context=AuditContext.from_request(request),
        )
    except services.StaleTicket as exc:
        messages.error(request, str(exc))
        return _back(request, pk)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return _back(request, pk)
    else:
        label = TRANSITIONS[data["action"]].label
        messages.success(request, _("已执行：%(a)s") % {"a": label})
    return _back(request, pk)


def _back(request: HttpRequest, pk: int) -> HttpResponse:
    """Back to the page the form was on (the phone status page), else the ticket's page."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("servicedesk:ticket_detail", pk=pk)


@login_required
@require_POST
def ticket_comment(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    try:
        reporting.ticket_reply(
            actor=request.user,
            ticket=ticket,
            body=request.POST.get("body", ""),
            internal=request.POST.get("internal") == "1",
            uploads=request.FILES.getlist("files"),
            context=AuditContext.from_request(request),
        )
    except ValidationError as exc:
        messages.error(request, _("回复未发送：%(why)s") % {"why": "；".join(exc.messages)})
    return redirect(f"{reverse('servicedesk:ticket_detail', args=[pk])}#timeline")


@login_required
@require_POST
def ticket_assign(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    raw = request.POST.get("assignee", "")
    version = request.POST.get("version", "0")
    if not (version.isascii() and version.isdigit()):
        messages.error(request, _("表单已过期或被改动，请刷新页面后重试。"))
        return redirect("servicedesk:ticket_detail", pk=pk)
    try:
        assignee = services.assignee_for(
            actor=request.user,
            target=ticket,
            user_id=request.user.pk if raw == "me" else as_id(raw),
        )
        services.ticket_update(
            actor=request.user,
            ticket=ticket,
            version=int(version),
            assignee=assignee,
            context=AuditContext.from_request(request),
        )
    except services.StaleTicket as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("servicedesk:ticket_detail", pk=pk)


@login_required
@require_POST
def ticket_watch(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    services.ticket_watch(
        actor=request.user,
        ticket=ticket,
        watch=request.POST.get("watch", "1") == "1",
        context=AuditContext.from_request(request),
    )
    return redirect("servicedesk:ticket_detail", pk=pk)


@login_required
@require_POST
def ticket_flag(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    try:
        services.ticket_flag(
            actor=request.user,
            ticket=ticket,
            flag=request.POST.get("flag", ""),
            value=request.POST.get("value", "1") == "1",
            reason=request.POST.get("reason", ""),
            context=AuditContext.from_request(request),
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("标记已更新。"))
    return redirect("servicedesk:ticket_detail", pk=pk)


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = Attachment.objects.select_related("ticket").filter(pk=pk).first()
    if (
        attachment is None
        or not Ticket.objects.visible_to(request.user).filter(pk=attachment.ticket_id).exists()
    ):
        raise Http404
    if attachment.internal and not permissions.sees_internal(request.user, attachment.ticket):
        raise Http404
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


@login_required
def ticket_export(request: HttpRequest) -> HttpResponse:
    return xlsx_response(tickets_for(request.user, _filter(request.GET)))


@login_required
def ticket_import(request: HttpRequest) -> HttpResponse:
    if not permissions.can_create_contracts(request.user):  # a hospital's admin, of some hospital
        raise PermissionDenied(_("只有医院管理员可以导入历史工单。"))
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = import_xlsx(
                form.cleaned_data["file"].read(), contract=form.cleaned_data["contract"], actor=request.user
            )
        except Exception as exc:  # not an XLSX file: say so instead of failing
            form.add_error("file", _("无法读取 XLSX 文件：%(e)s") % {"e": exc})
    return render(request, "servicedesk/ticket_import.html", {"form": form, "result": result})


# --- mobile reporting by QR code -------------------------------------------------------------------


def _report_context(request: HttpRequest) -> dict[str, Any]:
    """The QR code's prefill: contract, department, system, module (ids the user must be able to see)."""

    def visible(model, key):
        raw = request.GET.get(key) or request.POST.get(key)
        if as_id(raw) is None:
            return None
        return model.objects.visible_to(request.user).filter(pk=as_id(raw)).first()

    department = visible(Department, "d")
    system = visible(MaintainedSystem, "s")
    module = visible(Module, "m")
    contract = visible(Contract, "c") or (system.contract if system is not None else None)
    if contract is None:
        hospital_ids = {m.organization_id for m in request.user.active_memberships()}
        contract = (
            Contract.objects.visible_to(request.user)
            .filter(hospital_id__in=hospital_ids, status="active")
            .first()
        )
    return {"department": department, "system": system, "module": module, "contract": contract}


@login_required
def mobile_report(request: HttpRequest) -> HttpResponse:
    """The phone form: a department user scans the QR code on a workstation and says what's wrong."""
    context = _report_context(request)
    contract = context["contract"]
    form = MobileReportForm(request.POST or None, request.FILES or None)
    if contract is None:
        return render(request, "servicedesk/mobile_report.html", {"form": None, **context})

    def create(data: dict[str, Any]) -> tuple[Ticket, bool]:
        return _create_once(
            request,
            "form.mobile_report",
            lambda: reporting.ticket_report(
                actor=request.user,
                contract=contract,
                title=data["title"],
                description=data["description"],
                system=context["system"],
                module=context["module"],
                department=context["department"],
                location=data["location"],
                phone=data["phone"],
                photo=data.get("photo") or None,
                context=AuditContext.from_request(request),
            ),
        )

    def created(made: tuple[Ticket, bool]) -> str:
        ticket, earlier = made
        if earlier:
            messages.info(request, _("该报修已提交过，未重复建单。"))
        return reverse("servicedesk:mobile_status", args=[ticket.pk])

    done = submit(request, form, create, then=created)
    return done or render(
        request,
        "servicedesk/mobile_report.html",
        {"form": form, "submit_token": _submit_token(request), **context},
    )


@login_required
def mobile_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The reporter follows the ticket on the phone, and confirms and rates the fix there."""
    ticket = _ticket(request, pk)
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


@login_required
def qr_sheet(request: HttpRequest) -> HttpResponse:
    """Printable QR codes: one per department and one per module of each system (A4, cut out)."""
    import segno

    hospital_ids = permissions.administered_org_ids(request.user)
    departments = Department.objects.visible_to(request.user).select_related("hospital", "campus")
    systems = (
        MaintainedSystem.objects.visible_to(request.user)
        .select_related("hospital")
        .prefetch_related("modules")
    )
    if hospital_ids is not None:
        departments = departments.filter(hospital_id__in=hospital_ids)
        systems = systems.filter(hospital_id__in=hospital_ids)
    base = request.build_absolute_uri(reverse("servicedesk:mobile_report"))
    cards = []

    def card(title: str, subtitle: str, params: dict[str, int]) -> None:
        url = f"{base}?{urlencode(params)}"
        svg = segno.make(url, error="m").svg_inline(scale=3, dark="#17364a")
        cards.append({"title": title, "subtitle": subtitle, "url": url, "svg": svg})

    for d in departments[:200]:
        card(d.name, f"{d.hospital.name}{' · ' + d.campus.name if d.campus_id else ''}", {"d": d.pk})
    for s in systems[:50]:
        params = {"s": s.pk, **({"c": s.contract_id} if s.contract_id else {})}
        card(s.name, s.hospital.name, params)
        for m in s.modules.all()[:40]:
            card(f"{s.name} · {m.name}", s.hospital.name, {**params, "m": m.pk})
    return render(request, "servicedesk/qr_sheet.html", {"cards": cards})


# --- data changes and change requests ----------------------------------------------------------------


@login_required
def data_change_list(request: HttpRequest) -> HttpResponse:
    rows, next_url = request_page(
        request, DataChange.objects.visible_to(request.user).select_related("contract", "requested_by")
    )
    return render(request, "servicedesk/data_change_list.html", {"rows": rows, "next_url": next_url})


@login_required
def data_change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_visible(DataChange.objects.select_related("contract"), request.user, pk=pk)
    if request.method == "POST":
        step = request.POST.get("step")
        try:
            if step in ("approve", "reject"):
                records.data_change_approve(
                    actor=request.user,
                    record=record,
                    approve=step == "approve",
                    note=request.POST.get("note", ""),
                    context=AuditContext.from_request(request),
                )
            elif step == "execute":
                records.data_change_execute(
                    actor=request.user,
                    record=record,
                    note=request.POST.get("note", ""),
                    context=AuditContext.from_request(request),
                )
            elif step == "verify":
                records.data_change_verify(
                    actor=request.user, record=record, context=AuditContext.from_request(request)
                )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect("servicedesk:data_change_detail", pk=pk)
    return render(
        request,
        "servicedesk/data_change_detail.html",
        {"record": record, "is_admin": permissions.is_hospital_admin(request.user, record.hospital_id)},
    )


@login_required
def change_request_list(request: HttpRequest) -> HttpResponse:
    rows, next_url = request_page(
        request, ChangeRequest.objects.visible_to(request.user).select_related("contract")
    )
    return render(request, "servicedesk/change_request_list.html", {"rows": rows, "next_url": next_url})
