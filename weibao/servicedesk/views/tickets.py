"""Ticket pages: lists and boards, saved filters, detail with timeline and clocks, the moves, comments, assignment, watching, flags, attachments, ledger export/import."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weibao.audit.context import AuditContext
from weibao.contracts.models import Contract
from weibao.core.db import as_id
from weibao.core.pagination import request_page

from .. import moving, permissions, reporting, routing, saved_filters, services, severity
from ..choices import TicketState
from ..forms import ActionForm, ImportForm
from ..ledger import import_xlsx, xlsx_response
from ..models import Attachment, SavedFilter, Ticket
from ..selectors import tickets_for
from ..workflow import REQUEST_LABELS, TRANSITIONS, offers
from .lookup import ticket_filter, visible_ticket
from .records import ticket_records


@login_required
def ticket_list(request: HttpRequest, *, board: str = "") -> HttpResponse:
    params = request.GET.copy()
    if board == "risk":
        params["sort"] = "risk"
    flt = ticket_filter(params)
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
            # Whether the reader filtered (the filter box then stays open on a phone too).
            "filtering": any(v for k, v in request.GET.items() if k not in ("cursor", "sort")),
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


@login_required
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = visible_ticket(request, pk)
    internal = permissions.sees_internal(request.user, ticket)
    events = ticket.events.select_related("actor")
    if not internal:
        events = events.filter(internal=False)
    kind = permissions.actor_kind(request.user, ticket)
    actions = offers(services.position_of(ticket), kind)
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
            "move_targets": [(c, routing.plain_name(c)) for c in moving.move_targets(ticket)]
            if permissions.can_move_ticket(request.user, ticket)
            else [],
            "can_reply": permissions.can_reply_publicly(request.user, ticket),
            "assignees": assignees,
            "watching": ticket.watchers.filter(pk=request.user.pk).exists(),
            "is_vendor": permissions.is_vendor_member(request.user, ticket.contract.vendor_id),
            "can_take": ticket.assignee_id is None
            and permissions.is_vendor_member(request.user, ticket.contract.vendor_id),
            "now": timezone.now(),
            "pending": REQUEST_LABELS.get(ticket.pending_action, ""),
            "may_answer": bool(ticket.pending_action) and permissions.can_take(request.user, ticket, "agree"),
            "severities": ticket.contract.severities.all()
            if permissions.can_set_severity(request.user, ticket)
            else None,
            **ticket_records(request, ticket),
        },
    )


def _refresh_clocks_partial(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    return render(request, "servicedesk/_clocks.html", {"clocks": ticket.clocks.all(), "now": timezone.now()})


@login_required
def ticket_clocks(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the clocks block, polled by the detail page so the colours move as time passes."""
    return _refresh_clocks_partial(request, visible_ticket(request, pk))


@login_required
@require_POST
def ticket_act(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = visible_ticket(request, pk)
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
        ticket.refresh_from_db(fields=["pending_action"])
        if ticket.pending_action == data["action"]:
            messages.success(
                request, _("已提交%(a)s，等待医院确认。") % {"a": REQUEST_LABELS[data["action"]]}
            )
        else:
            messages.success(request, _("已执行：%(a)s") % {"a": TRANSITIONS[data["action"]].label})
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
    ticket = visible_ticket(request, pk)
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
    ticket = visible_ticket(request, pk)
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
    ticket = visible_ticket(request, pk)
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
    ticket = visible_ticket(request, pk)
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
@require_POST
def ticket_severity(request: HttpRequest, pk: int) -> HttpResponse:
    """The hospital sets the ticket's fault class (故障等级)."""
    ticket = visible_ticket(request, pk)
    chosen = ticket.contract.severities.filter(pk=as_id(request.POST.get("severity"))).first()
    try:
        severity.ticket_set_severity(
            actor=request.user,
            ticket=ticket,
            severity=chosen,
            reason=request.POST.get("reason", ""),
            version=as_id(request.POST.get("version")),
            context=AuditContext.from_request(request),
        )
    except (services.StaleTicket, ValidationError) as exc:
        messages.error(request, "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("故障等级已更新，时限已按新等级重新计算。"))
    return redirect("servicedesk:ticket_detail", pk=pk)


@login_required
@require_POST
def ticket_move(request: HttpRequest, pk: int) -> HttpResponse:
    """A hospital admin moves the ticket to another of the hospital's contracts."""
    ticket = visible_ticket(request, pk)
    if not permissions.can_move_ticket(request.user, ticket):
        raise PermissionDenied(_("只有本医院的管理员可以把工单转到本医院的另一份合同。"))
    target = Contract.objects.visible_to(request.user).filter(pk=as_id(request.POST.get("contract"))).first()
    if target is None:
        messages.error(request, _("请选择要转入的合同。"))
        return redirect("servicedesk:ticket_detail", pk=pk)
    try:
        moving.ticket_move(
            actor=request.user,
            ticket=ticket,
            contract=target,
            reason=request.POST.get("reason", ""),
            version=as_id(request.POST.get("version")),
            context=AuditContext.from_request(request),
        )
    except (ValidationError, services.StaleTicket) as exc:
        text = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
    else:
        messages.success(request, _("工单已转至：%(c)s。") % {"c": routing.plain_name(target)})
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
    return xlsx_response(tickets_for(request.user, ticket_filter(request.GET)))


@login_required
def ticket_import(request: HttpRequest) -> HttpResponse:
    if not permissions.can_create_contracts(request.user):  # a hospital's admin, of some hospital
        raise PermissionDenied(_("只有医院管理员可以导入历史工单。"))
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        initial={"contract": as_id(request.GET.get("contract"))},  # from the contract's page
    )
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
