"""The 监控接入 page: the hospital admin's monitoring tokens, host/label → system mappings, and the
alerts the hospital's monitoring sent (those kept without a ticket say why)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weibao.accounts.choices import Role
from weibao.accounts.models import Organization
from weibao.audit.context import AuditContext
from weibao.core.forms import submit
from weibao.core.pagination import request_page
from weibao.core.tenancy import get_visible

from .. import services
from ..forms import MappingForm, TokenForm
from ..models import Alert, MonitoringMapping, MonitoringToken


def _hospital(request: HttpRequest) -> Organization:
    """The hospital whose monitoring the page shows: one the user is a hospital admin of (the
    ``hospital`` of the query or form when they administer several)."""
    ids = [m.organization_id for m in request.user.active_memberships() if m.role == Role.HOSPITAL_ADMIN]
    if not ids:
        raise PermissionDenied(_("只有医院信息科管理员可以管理监控接入。"))
    wanted = request.POST.get("hospital") or request.GET.get("hospital")
    chosen = int(wanted) if wanted and wanted.isdigit() and int(wanted) in ids else ids[0]
    return Organization.objects.get(pk=chosen)


def _page(request: HttpRequest, hospital: Organization, **extra: object) -> HttpResponse:
    alerts, next_url = request_page(
        request,
        Alert.objects.filter(hospital=hospital)
        .select_related("system", "ticket")
        .order_by("-raised_at", "-id"),
    )
    context = {
        "hospital": hospital,
        "tokens": MonitoringToken.objects.filter(hospital=hospital),
        "mappings": MonitoringMapping.objects.filter(hospital=hospital).select_related("system", "module"),
        "alerts": alerts,
        "next_url": next_url,
        "token_form": TokenForm(),
        "mapping_form": MappingForm(hospital_id=hospital.pk),
        **extra,
    }
    return render(request, "probes/monitoring.html", context)


@login_required
def monitoring(request: HttpRequest) -> HttpResponse:
    return _page(request, _hospital(request))


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    hospital = _hospital(request)
    form = TokenForm(request.POST)
    if form.is_valid():
        token, raw = services.monitoring_token_create(
            actor=request.user,
            hospital=hospital,
            name=form.cleaned_data["name"],
            context=AuditContext.from_request(request),
        )
        # Shown this once, on this answer; never stored.
        return _page(request, hospital, new_token=token, raw_token=raw)
    return _page(request, hospital, token_form=form)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_visible(MonitoringToken.objects.select_related("hospital"), request.user, pk=pk)
    services.monitoring_token_revoke(
        actor=request.user, token=token, context=AuditContext.from_request(request)
    )
    messages.success(request, _("令牌“%(n)s”已吊销。") % {"n": token.name})
    return redirect(f"/monitoring/?hospital={token.hospital_id}")


@login_required
@require_POST
def mapping_create(request: HttpRequest) -> HttpResponse:
    hospital = _hospital(request)
    form = MappingForm(request.POST, hospital_id=hospital.pk)
    done = submit(
        request,
        form,
        lambda data: services.monitoring_mapping_create(
            actor=request.user,
            hospital=hospital,
            context=AuditContext.from_request(request),
            **data,
        ),
        then=lambda _m: f"/monitoring/?hospital={hospital.pk}",
        message=_("映射已添加。"),
    )
    return done or _page(request, hospital, mapping_form=form)


@login_required
@require_POST
def mapping_delete(request: HttpRequest, pk: int) -> HttpResponse:
    mapping = get_visible(MonitoringMapping.objects.select_related("hospital"), request.user, pk=pk)
    services.monitoring_mapping_delete(
        actor=request.user, mapping=mapping, context=AuditContext.from_request(request)
    )
    messages.success(request, _("映射已删除。"))
    return redirect(f"/monitoring/?hospital={mapping.hospital_id}")
