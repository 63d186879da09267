"""The audit log pages: for organisation admins, auditors (their granted hospitals) and platform
admins; nobody else reads them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from weibao.core.tenancy import get_visible

from .labels import codes_labelled
from .models import AuditEvent, reads_audit_trail


def _require_reader(request: HttpRequest) -> None:
    if not reads_audit_trail(request.user):
        raise PermissionDenied(_("审计日志只对管理员和监理/审计开放。"))


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    qs = AuditEvent.objects.visible_to(request.user).select_related("organization")
    action = request.GET.get("action", "").strip()
    if action:  # words (登录, 工单：响应) or the start of a code (ticket.)
        qs = qs.filter(Q(action__startswith=action) | Q(action__in=sorted(codes_labelled(action))))
    if request.GET.get("failed"):
        qs = qs.filter(success=False)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "audit/event_list.html", {"page": page, "action": action})


@login_required
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reader(request)
    event = get_visible(AuditEvent.objects, request.user, pk=pk)
    return render(request, "audit/event_detail.html", {"event": event})
