"""Pages of the probes: the list (across contracts, or one contract's) with each probe's current
state, a probe's page with its history chart and 立即检测, and the add/edit forms."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from weibao.audit.context import AuditContext
from weibao.contracts.models import Contract, Endpoint, Module
from weibao.core.forms import submit
from weibao.core.pagination import request_page
from weibao.core.tenancy import get_visible

from .. import probing, services
from ..choices import STATE_CSS, ProbeState
from ..forms import ProbeForm
from ..metrics import CONTENT_TYPE, exposition, probes_of_hospital
from ..models import Alert, Probe
from ..models.alerts import AlertSource
from ..selectors import RANGES, probe_history, probes_visible

STATE_FILTERS = [
    ("crit", gettext_lazy("严重")),
    ("warn", gettext_lazy("警告")),
    ("unknown", gettext_lazy("未知")),
    ("ok", gettext_lazy("正常")),
    ("never", gettext_lazy("未检测")),
]


def _decorate(probe: Probe) -> Probe:
    probe.state_css = STATE_CSS.get(probe.state, "never") if probe.state is not None else "never"  # type: ignore[attr-defined]
    probe.state_label = ProbeState(probe.state).label if probe.state is not None else _("未检测")  # type: ignore[attr-defined]
    return probe


def _list(request: HttpRequest, contract: Contract | None) -> HttpResponse:
    state = request.GET.get("state", "")
    rows = probes_visible(request.user, contract_id=contract.pk if contract else None, state=state)
    items, next_url = request_page(request, rows.order_by("name", "pk"), limit=100)
    for item in items:
        _decorate(item)
    return render(
        request,
        "probes/probe_list.html",
        {
            "items": items,
            "next_url": next_url,
            "contract": contract,
            "state": state,
            "states": STATE_FILTERS,
            "can_add": bool(_manageable_endpoints(request.user, contract)[:1]),
        },
    )


@login_required
def probe_list(request: HttpRequest) -> HttpResponse:
    """探针: every probe the user sees, across contracts."""
    return _list(request, None)


@login_required
def contract_probes(request: HttpRequest, pk: int) -> HttpResponse:
    """One contract's probes."""
    return _list(request, get_visible(Contract.objects, request.user, pk=pk))


@login_required
def probe_detail(request: HttpRequest, pk: int) -> HttpResponse:
    probe = _decorate(get_visible(probes_visible(request.user), request.user, pk=pk))
    chosen = request.GET.get("range", "24h")
    history = probe_history(probe, range=chosen if chosen in RANGES else "24h")
    for row in history.rows:
        row["css"] = STATE_CSS.get(row["state"], "unknown")
        row["label"] = ProbeState(row["state"]).label
    alert = (
        Alert.objects.filter(
            source=AlertSource.PROBE, key=probe.alert_key, hospital_id=probe.endpoint.system.hospital_id
        )
        .select_related("ticket")
        .order_by("-raised_at")
        .first()
    )
    return render(
        request,
        "probes/probe_detail.html",
        {
            "probe": probe,
            "history": history,
            "rows": history.rows[:200],
            "alert": alert,
            "can_manage": probing.can_manage(request.user, probe.endpoint),
        },
    )


def _manageable_endpoints(user: Any, contract: Contract | None = None) -> QuerySet[Endpoint]:
    """The endpoints whose probes ``user`` may manage (among those they see)."""
    visible = Endpoint.objects.visible_to(user).select_related("system", "system__contract")
    if contract is not None:
        visible = visible.filter(system__contract=contract)
    ids = [e.pk for e in visible if probing.can_manage(user, e)]
    return Endpoint.objects.filter(pk__in=ids).select_related("system").order_by("system__name", "name")


def _form(request: HttpRequest, endpoints: QuerySet[Endpoint], **kwargs: Any) -> ProbeForm:
    modules = Module.objects.filter(system__endpoints__in=endpoints).distinct().select_related("system")
    return ProbeForm(request.POST or None, endpoints=endpoints, modules=modules, **kwargs)


@login_required
def probe_create(request: HttpRequest) -> HttpResponse:
    endpoints = _manageable_endpoints(request.user)
    if not endpoints.exists():
        raise PermissionDenied(_("您没有可管理探针的探测端点：探测端点在合同的维保系统中添加。"))
    wanted = request.GET.get("endpoint", "")
    initial = {"endpoint": int(wanted)} if wanted.isdigit() else {}
    form = _form(request, endpoints, initial=initial)
    done = submit(
        request,
        form,
        lambda data: probing.probe_create(
            actor=request.user, context=AuditContext.from_request(request), **data
        ),
        then=lambda probe: f"/probes/{probe.pk}/",
        message=_("探针已添加。"),
    )
    return done or render(request, "probes/probe_form.html", {"form": form, "probe": None})


@login_required
def probe_edit(request: HttpRequest, pk: int) -> HttpResponse:
    probe = get_visible(probes_visible(request.user), request.user, pk=pk)
    if not probing.can_manage(request.user, probe.endpoint):
        raise PermissionDenied(_("只有医院信息科管理员和该系统维保厂商的人员可以管理探针。"))
    endpoints = Endpoint.objects.filter(pk=probe.endpoint_id).select_related("system")
    initial = {f: getattr(probe, f) for f in probing.EDITABLE}
    initial["endpoint"] = probe.endpoint_id
    initial["options"] = json.dumps(probe.options, ensure_ascii=False) if probe.options else ""
    form = _form(request, endpoints, initial=initial, lock_endpoint=True)

    def save(data: dict[str, Any]) -> Probe:
        data.pop("endpoint", None)
        return probing.probe_update(
            actor=request.user, probe=probe, context=AuditContext.from_request(request), **data
        )

    done = submit(request, form, save, then=lambda p: f"/probes/{p.pk}/", message=_("探针已保存。"))
    return done or render(request, "probes/probe_form.html", {"form": form, "probe": probe})


@login_required
@require_POST
def probe_run(request: HttpRequest, pk: int) -> HttpResponse:
    """立即检测."""
    probe = get_visible(probes_visible(request.user), request.user, pk=pk)
    outcome = probing.probe_run_now(actor=request.user, probe=probe)
    label = ProbeState(int(outcome.found.state)).label
    messages.success(request, _("检测完成：%(s)s，%(m)s") % {"s": label, "m": outcome.found.message[:200]})
    return redirect(f"/probes/{probe.pk}/")


@login_required
@require_POST
def probe_delete(request: HttpRequest, pk: int) -> HttpResponse:
    probe = get_visible(probes_visible(request.user), request.user, pk=pk)
    probing.probe_delete(actor=request.user, probe=probe, context=AuditContext.from_request(request))
    messages.success(request, _("探针已删除。"))
    return redirect("/probes/")


def metrics(request: HttpRequest) -> HttpResponse:
    """``/metrics`` for Prometheus: the probes of the hospital whose monitoring token is sent
    (``Authorization: Bearer wbm_…``, the token the Zabbix and Alertmanager receivers take);
    a missing, wrong or revoked token gets 401."""
    header = request.headers.get("Authorization", "")
    raw = header[7:].strip() if header.startswith("Bearer ") else ""
    token = services.monitoring_token_check(raw) if raw else None
    if token is None:
        response = HttpResponse(
            _("监控令牌缺失、错误或已吊销。") + "\n", status=401, content_type="text/plain; charset=utf-8"
        )
        response["WWW-Authenticate"] = 'Bearer realm="weibao"'
        return response
    return HttpResponse(exposition(probes_of_hospital(token.hospital_id)), content_type=CONTENT_TYPE)
