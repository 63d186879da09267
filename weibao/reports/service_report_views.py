"""Pages of the 服务报告: the list (all, or one contract's with its quarters' counts), write one from a
ticket or an inspection (on the engineer's phone, on site), change it while a draft, the user's
signature (theirs, or handed the engineer's phone: then with their own account and password),
the frozen report, its DOCX; and the panel shown on the ticket and inspection pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weibao.accounts import permissions
from weibao.accounts.mfa import has_device, mfa_required
from weibao.audit.context import AuditContext
from weibao.contracts.models import Contract
from weibao.core.db import as_id
from weibao.core.forms import apply_service_errors, submit
from weibao.core.pagination import request_page
from weibao.core.tenancy import get_visible
from weibao.inspections.models import Inspection
from weibao.servicedesk.models import Ticket

from . import service_reports
from .choices import ServiceReportState
from .forms import ServiceReportForm, ServiceReportSignForm
from .models import ServiceReport
from .selectors import service_report_counts, service_report_requirement, service_report_tally

FIELDS = ServiceReportForm.base_fields


def _report(request: HttpRequest, pk: int) -> ServiceReport:
    return get_visible(
        ServiceReport.objects.select_related(
            "contract", "contract__hospital", "contract__vendor", "ticket", "inspection"
        ),
        request.user,
        pk=pk,
    )


def _initial(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (timezone.localtime(v) if k.endswith("_at") and v else v) for k, v in values.items() if k in FIELDS
    }


@login_required
def service_report_list(request: HttpRequest) -> HttpResponse:
    """服务报告: every report the user sees, newest first (``?state=draft`` the unsigned ones)."""
    rows = ServiceReport.objects.visible_to(request.user).select_related("contract", "ticket", "inspection")
    state = request.GET.get("state")
    if state in ServiceReportState.values:
        rows = rows.filter(state=state)
    items, next_url = request_page(request, rows.order_by("-created_at", "-pk"), limit=30)
    return render(
        request,
        "reports/service_report_list.html",
        {"items": items, "next_url": next_url, "state": state, "contract": None},
    )


@login_required
def contract_service_reports(request: HttpRequest, pk: int) -> HttpResponse:
    """One contract's 服务报告 and, quarter by quarter, how many the users signed."""
    contract = get_visible(Contract.objects.select_related("hospital", "vendor"), request.user, pk=pk)
    rows = ServiceReport.objects.visible_to(request.user).filter(contract=contract)
    items, next_url = request_page(
        request, rows.select_related("ticket", "inspection").order_by("-created_at", "-pk"), limit=30
    )
    return render(
        request,
        "reports/service_report_list.html",
        {
            "items": items,
            "next_url": next_url,
            "contract": contract,
            "requirement": service_report_requirement(contract),
            "tally": service_report_tally(contract, today=timezone.localdate()),
            "counts": service_report_counts(rows),
        },
    )


def _source(request: HttpRequest) -> Ticket | Inspection:
    """The ticket (``?ticket=``) or inspection (``?inspection=``) the report is written from."""
    params = request.POST if request.method == "POST" else request.GET
    ticket_id, inspection_id = as_id(params.get("ticket")), as_id(params.get("inspection"))
    if ticket_id is not None:
        return get_visible(
            Ticket.objects.select_related("contract", "department", "system", "module", "assignee"),
            request.user,
            pk=ticket_id,
        )
    if inspection_id is not None:
        return get_visible(
            Inspection.objects.select_related("contract", "started_by"), request.user, pk=inspection_id
        )
    raise Http404


@login_required
def service_report_new(request: HttpRequest) -> HttpResponse:
    """Write a report from a ticket or an inspection: the form comes prefilled from it."""
    source = _source(request)
    permissions.require_write_service_report(request.user, source.contract)
    is_ticket = isinstance(source, Ticket)
    draft = ServiceReport.objects.filter(
        state=ServiceReportState.DRAFT, **({"ticket": source} if is_ticket else {"inspection": source})
    ).first()
    if draft is not None:
        messages.info(request, _("已有一份待用户签字的服务报告，请继续填写或请用户签字。"))
        return redirect("reports:service_report_detail", pk=draft.pk)
    if is_ticket:
        prefill = service_reports.ticket_prefill(source)  # type: ignore[arg-type]
    else:
        prefill = service_reports.inspection_prefill(source)  # type: ignore[arg-type]
    form = ServiceReportForm(request.POST or None, initial=_initial(prefill))
    answer = submit(
        request,
        form,
        lambda data: service_reports.service_report_create(
            actor=request.user,  # type: ignore[arg-type]
            ticket=source if is_ticket else None,  # type: ignore[arg-type]
            inspection=None if is_ticket else source,  # type: ignore[arg-type]
            fields=data,
            context=AuditContext.from_request(request),
        ),
        then=lambda report: reverse("reports:service_report_detail", args=[report.pk]) + "#sign",
        message=_("服务报告已保存，请用户签字确认。"),
    )
    if answer is not None:
        return answer
    return render(
        request,
        "reports/service_report_form.html",
        {"form": form, "source": source, "is_ticket": is_ticket, "contract": source.contract},
    )


def _detail(
    request: HttpRequest,
    report: ServiceReport,
    *,
    form: ServiceReportForm | None = None,
    sign_form: ServiceReportSignForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    draft = report.state == ServiceReportState.DRAFT
    can_write = draft and permissions.can_write_service_report(user, report.contract)
    signs_himself = permissions.can_sign_service_report(user, report.contract, report.department_id)
    # The engineer's phone handed to the user: the form asks for the user's own account.
    hand_over = draft and can_write and not signs_himself
    default_name = (getattr(user, "display_name", "") or user.get_username()) if signs_himself else ""
    return render(
        request,
        "reports/service_report_detail.html",
        {
            "report": report,
            "contract": report.contract,
            "can_write": can_write,
            "form": form
            or (
                ServiceReportForm(
                    initial=_initial({name: getattr(report, name) for name in service_reports.EDITABLE})
                )
                if can_write
                else None
            ),
            "may_sign": draft and (signs_himself or hand_over),
            "hand_over": hand_over,
            "sign_form": sign_form or ServiceReportSignForm(initial={"signer_name": default_name}),
            "may_print": permissions.can_print_service_report(user, report.contract),
            "printed": service_reports.printed_of(report),
        },
        status=status,
    )


@login_required
def service_report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _report(request, pk))


@login_required
@require_POST
def service_report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    form = ServiceReportForm(request.POST)
    answer = submit(
        request,
        form,
        lambda data: service_reports.service_report_update(
            actor=request.user,  # type: ignore[arg-type]
            report=report,
            fields=data,
            context=AuditContext.from_request(request),
        ),
        then=lambda row: reverse("reports:service_report_detail", args=[row.pk]) + "#sign",
        message=_("服务报告已保存。"),
    )
    return answer or _detail(request, report, form=form, status=400)


@login_required
@require_POST
def service_report_sign(request: HttpRequest, pk: int) -> HttpResponse:
    """The user signs. Signed in as themselves, they sign as they are; on the engineer's phone
    they give their own account and password, and the signature is theirs."""
    report = _report(request, pk)
    form = ServiceReportSignForm(request.POST)
    if not form.is_valid():
        return _detail(request, report, sign_form=form, status=400)
    data = form.cleaned_data
    signer: Any = request.user
    if not permissions.can_sign_service_report(signer, report.contract, report.department_id):
        if not permissions.can_write_service_report(signer, report.contract):
            raise PermissionDenied(_("只有服务科室的用户或医院信息科可以签字确认服务报告。"))
        signer = authenticate(request, username=data["signer_username"], password=data["signer_password"])
        if signer is None:
            form.add_error("signer_password", _("签字人账号或密码不正确。"))
            return _detail(request, report, sign_form=form, status=400)
        if mfa_required(signer) or has_device(signer):
            # A password alone is not how this account signs in: it signs on its own device.
            form.add_error("signer_username", _("该账号需要双重验证，请用自己的手机或电脑登录后签字。"))
            return _detail(request, report, sign_form=form, status=400)
    try:
        service_reports.service_report_sign(
            actor=signer,
            report=report,
            signer_name=data["signer_name"],
            satisfaction=data["satisfaction"],
            comments=data["comments"],
            signature=data["signature"] or "",
            on_device_of=None if signer is request.user else request.user,  # type: ignore[arg-type]
            context=AuditContext.from_request(request),
        )
    except PermissionDenied as exc:
        if signer is request.user:
            raise
        form.add_error("signer_username", str(exc))  # the account given may not sign this report
        return _detail(request, report, sign_form=form, status=400)
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return _detail(request, report, sign_form=form, status=400)
    messages.success(request, _("用户已签字确认，服务报告已冻结。"))
    return redirect("reports:service_report_detail", pk=report.pk)


@login_required
@require_POST
def service_report_print(request: HttpRequest, pk: int) -> HttpResponse:
    """Print the report as DOCX (kept in the documents archive) and download it."""
    report = _report(request, pk)
    document = service_reports.service_report_print(
        actor=request.user,  # type: ignore[arg-type]
        report=report,
        context=AuditContext.from_request(request),
    )
    return redirect(reverse("documents:download", args=[document.pk]))


@login_required
def service_report_signature(request: HttpRequest, pk: int) -> HttpResponse:
    """The user's drawn signature, as the PNG it was stored as."""
    report = _report(request, pk)
    if not report.signature:
        raise Http404
    response = HttpResponse(bytes(report.signature), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- the panel of the ticket and inspection pages ----------------------------------------------------


def source_panel(request: HttpRequest, obj: Ticket | Inspection) -> str | None:
    """服务报告 on a ticket's or an inspection's page: its reports the user sees, and for the
    vendor's people the link that writes one."""
    is_ticket = isinstance(obj, Ticket)
    rows = ServiceReport.objects.visible_to(request.user).filter(
        **({"ticket": obj} if is_ticket else {"inspection": obj})
    )
    reports = list(rows.order_by("-created_at", "-pk"))  # a few per ticket or inspection
    may_write = permissions.can_write_service_report(request.user, obj.contract)
    if is_ticket is False and obj.started_at is None:  # type: ignore[union-attr]
        may_write = False
    if not reports and not may_write:
        return None
    new_url = (
        reverse("reports:service_report_new") + ("?ticket=" if is_ticket else "?inspection=") + str(obj.pk)
    )
    return render_to_string(
        "reports/_service_report_panel.html",
        {"reports": reports, "may_write": may_write, "new_url": new_url},
        request=request,
    )


def contract_panel(request: HttpRequest, contract: Contract) -> str | None:
    """服务报告 on a contract's page, when the contract asks for them or has some: how many the
    users signed and how many wait for a signature, and the link to the contract's list."""
    rows = ServiceReport.objects.visible_to(request.user).filter(contract=contract)
    requirement = service_report_requirement(contract)
    counts = service_report_counts(rows)
    if requirement is None and not (counts["signed"] or counts["drafts"]):
        return None
    return render_to_string(
        "reports/_service_report_contract_panel.html",
        {"contract": contract, "requirement": requirement, "counts": counts},
        request=request,
    )
