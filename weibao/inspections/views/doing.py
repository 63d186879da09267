"""Pages of doing one inspection: the form (one column, a phone first), start, save an item (htmx,
one item at a time, so nothing typed elsewhere is lost), mark an area 正常, open a ticket from an
abnormal item, findings, the two signatures, and the frozen view once both have signed."""

from __future__ import annotations

import mimetypes
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from weibao.accounts import permissions
from weibao.audit.context import AuditContext
from weibao.core.forms import submit
from weibao.core.tenancy import get_visible

from .. import doing, report
from ..choices import InspectionState, InspectionStatus, ItemResult, ItemSource, SignSide
from ..forms import AreaForm, FindingsForm, ItemForm, SignForm, StartForm
from ..models import Inspection, InspectionItem, InspectionSignature
from ..selectors import inspection_items, inspection_signatures, status_of


def _inspection(request: HttpRequest, pk: int) -> Inspection:
    return get_visible(
        Inspection.objects.select_related("contract", "contract__hospital", "contract__vendor"),
        request.user,
        pk=pk,
    )


def _item(request: HttpRequest, pk: int) -> InspectionItem:
    return get_visible(
        InspectionItem.objects.select_related("inspection", "inspection__contract", "system", "ticket"),
        request.user,
        pk=pk,
    )


def _detail_url(inspection_id: int, anchor: str = "") -> str:
    url = reverse("inspections:inspection_detail", args=[inspection_id])
    return f"{url}#{anchor}" if anchor else url


def _errors(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


@login_required
def inspection_detail(request: HttpRequest, pk: int, *, sign_form: SignForm | None = None) -> HttpResponse:
    """One inspection: start it, fill it, sign it; read-only for everyone else and once done."""
    inspection = _inspection(request, pk)
    user = request.user
    contract = inspection.contract
    signatures = inspection_signatures(inspection)
    can_do = permissions.can_do_inspection(user, contract)
    started = inspection.state == InspectionState.STARTED
    editable = can_do and started and SignSide.VENDOR not in signatures
    items = list(inspection_items(inspection))
    sides = []
    for side, label in SignSide.choices:
        may = started and side not in signatures and permissions.can_sign_inspection(user, contract, side)
        if side == SignSide.HOSPITAL and SignSide.VENDOR not in signatures:
            may = False
        sides.append(
            {
                "side": side,
                "label": label,
                "signature": signatures.get(side),
                "may_sign": may,
                "default_name": getattr(user, "display_name", "") or user.get_username(),
            }
        )
    status = status_of(inspection)
    return render(
        request,
        "inspections/inspection_detail.html",
        {
            "inspection": inspection,
            "contract": contract,
            "status": status,
            "status_label": InspectionStatus(status).label,
            "items": items,
            "filled": sum(1 for i in items if i.result),
            "abnormal": sum(1 for i in items if i.result == ItemResult.ABNORMAL),
            "can_do": can_do,
            "editable": editable,
            "done": inspection.state == InspectionState.DONE,
            "start_form": StartForm(initial={"mode": doing.default_mode(inspection)}),
            "findings_form": FindingsForm(
                initial={"findings": inspection.findings, "recommendations": inspection.recommendations}
            ),
            "sides": sides,
            "sign_form": sign_form,
            "results": ItemResult.choices,
            "probe_items": sum(1 for i in items if i.probe and i.source != ItemSource.PERSON),
            "may_print": permissions.can_print_inspection_report(user, contract),
            "reports": report.reports_of(inspection),
        },
    )


@login_required
@require_POST
def inspection_start(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _inspection(request, pk)
    form = StartForm(request.POST)
    answer = submit(
        request,
        form,
        lambda data: doing.inspection_start(
            actor=request.user,
            inspection=inspection,
            mode=data["mode"],
            context=AuditContext.from_request(request),
        ),
        then=lambda row: _detail_url(row.pk),
        message=str(_("巡检已开始，请逐项填写。")),
    )
    if answer is None:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(_detail_url(inspection.pk))
    return answer


def _item_answer(request: HttpRequest, item: InspectionItem, errors: list[str], saved: bool) -> HttpResponse:
    if getattr(request, "htmx", False):
        return render(
            request,
            "inspections/_item_status.html",
            {"item": item, "errors": errors, "saved": saved, "editable": True},
        )
    for error in errors:
        messages.error(request, f"{item.label}：{error}")
    return redirect(_detail_url(item.inspection_id, f"item-{item.pk}"))


@login_required
@require_POST
def item_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Save one item (htmx answers its status line only: the inputs stay as typed)."""
    item = _item(request, pk)
    form = ItemForm(request.POST, request.FILES)
    if not form.is_valid():
        return _item_answer(request, item, [str(e) for errs in form.errors.values() for e in errs], False)
    data: dict[str, Any] = form.cleaned_data
    try:
        item = doing.inspection_item_save(
            actor=request.user,
            item=item,
            result=data["result"] or "",
            value=data["value"],
            note=data["note"] or "",
            photo=data["photo"],
            context=AuditContext.from_request(request),
        )
    except ValidationError as exc:
        return _item_answer(request, item, _errors(exc), False)
    return _item_answer(request, _item(request, pk), [], True)


@login_required
@require_POST
def item_ticket(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a ticket for an abnormal item, in one click."""
    item = _item(request, pk)
    try:
        doing.inspection_item_ticket(
            actor=request.user, item=item, context=AuditContext.from_request(request)
        )
    except ValidationError as exc:
        return _item_answer(request, item, _errors(exc), False)
    return _item_answer(request, _item(request, pk), [], False)


@login_required
@require_POST
def area_ok(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the blank pass/fail items of one area 正常."""
    inspection = _inspection(request, pk)
    form = AreaForm(request.POST)
    area = form.data.get("area", "") if form.is_valid() else ""
    try:
        n = doing.inspection_area_all_ok(
            actor=request.user, inspection=inspection, area=area, context=AuditContext.from_request(request)
        )
        messages.success(request, str(_("已将 %(n)s 项标记为正常。")) % {"n": n})
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc)))
    return redirect(_detail_url(inspection.pk, f"area-{area}"))


@login_required
@require_POST
def report_produce(request: HttpRequest, pk: int) -> HttpResponse:
    """生成巡检报告 (DOCX, or ``format=xlsx``): archived, then downloaded."""
    inspection = _inspection(request, pk)
    doc = report.inspection_report_produce(
        actor=request.user,
        inspection=inspection,
        fmt=request.POST.get("format", "docx"),
        context=AuditContext.from_request(request),
    )
    return redirect("documents:download", pk=doc.pk)


@login_required
@require_POST
def probes_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    """用探针结果更新: the items probes can measure take the probes' newest results again."""
    inspection = _inspection(request, pk)
    try:
        n = doing.inspection_refresh_from_probes(
            actor=request.user, inspection=inspection, context=AuditContext.from_request(request)
        )
        messages.success(request, str(_("已用探针的最新结果填写 %(n)s 项。")) % {"n": n})
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc)))
    return redirect(_detail_url(inspection.pk))


@login_required
@require_POST
def inspection_findings(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _inspection(request, pk)
    form = FindingsForm(request.POST)
    if form.is_valid():
        try:
            doing.inspection_findings_save(
                actor=request.user,
                inspection=inspection,
                findings=form.cleaned_data["findings"],
                recommendations=form.cleaned_data["recommendations"],
                context=AuditContext.from_request(request),
            )
            messages.success(request, str(_("巡检发现与建议已保存。")))
        except ValidationError as exc:
            messages.error(request, " ".join(_errors(exc)))
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect(_detail_url(inspection.pk, "findings"))


@login_required
@require_POST
def inspection_sign(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign for the vendor or the hospital, with a name and an optional drawn signature."""
    inspection = _inspection(request, pk)
    form = SignForm(request.POST)
    answer = submit(
        request,
        form,
        lambda data: doing.inspection_sign(
            actor=request.user,
            inspection=inspection,
            side=data["side"],
            name=data["name"],
            signature=data["signature"] or "",
            context=AuditContext.from_request(request),
        ),
        then=lambda sig: _detail_url(inspection.pk, "signatures"),
        message=lambda sig: str(_("%(side)s已签字。")) % {"side": sig.get_side_display()},
    )
    if answer is None:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(_detail_url(inspection.pk, "signatures"))
    return answer


@login_required
def item_photo(request: HttpRequest, pk: int) -> FileResponse:
    item = _item(request, pk)
    if not item.photo:
        raise Http404
    name = item.photo.name.rsplit("/", 1)[-1]
    return FileResponse(
        item.photo.open("rb"), content_type=mimetypes.guess_type(name)[0] or "application/octet-stream"
    )


@login_required
def signature_image(request: HttpRequest, pk: int, side: str) -> HttpResponse:
    """A drawn signature, as the PNG it was stored as."""
    inspection = _inspection(request, pk)
    sig = InspectionSignature.objects.filter(inspection=inspection, side=side).first()
    if sig is None or not sig.image:
        raise Http404
    return HttpResponse(bytes(sig.image), content_type="image/png")
