"""The probes' list, detail and results (read-only, under the visibility rule), and the receivers
of the hospital's own monitoring: a Zabbix webhook media type and a Prometheus
Alertmanager webhook. Each is authenticated by the hospital's monitoring token (not a user's
token): ``Authorization: Bearer wbm_…``. A missing, wrong or revoked token gets 401 JSON.

Answers 200 with what became of each alert; 202 when some alert was kept without a ticket (its
host or labels map to no system, or no contract covers the system), with a note saying so.
"""

from datetime import datetime
from typing import Annotated, Any

import orjson
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, FilterLookup, FilterSchema, Query, Router, Schema
from ninja.errors import HttpError

from weibao.core.api import Id, IsoDateTime, json_response, responses
from weibao.core.api_crud import ModelRoutes, paginated

from . import services
from .choices import ProbeKind, ProbeState
from .models import MonitoringToken, Probe, ProbeResult
from .models.alerts import AlertSource
from .signals import BadPayload, Signal, alertmanager_signals, zabbix_signals

router = Router(tags=["monitoring"])


class ReceivedOut(Schema):
    key: str
    outcome: str
    ticket: str | None
    note: str


class ReceiveOut(Schema):
    received: list[ReceivedOut]
    note: str


def _token(request: HttpRequest) -> MonitoringToken:
    header = request.headers.get("Authorization", "")
    raw = header[7:].strip() if header.startswith("Bearer ") else ""
    token = services.monitoring_token_check(raw) if raw else None
    if token is None:
        raise HttpError(401, _("监控令牌缺失、错误或已吊销：请在“监控接入”页面创建令牌。"))
    return token


def _body(request: HttpRequest) -> Any:
    try:
        return orjson.loads(request.body or b"null")
    except orjson.JSONDecodeError as exc:
        raise HttpError(400, _("请求体不是有效的 JSON。")) from exc


def _receive(
    request: HttpRequest, source: str, signals: list[Signal], token: MonitoringToken
) -> HttpResponse:
    done = services.signals_receive(token=token, source=source, signals=signals)
    kept = [r for r in done if r.outcome == "kept"]
    note = _("%(n)d 条告警未能开单，已保留供医院管理员查看。") % {"n": len(kept)} if kept else ""
    return json_response({"received": [r.as_json() for r in done], "note": note}, status=202 if kept else 200)


def _parsed(reader: Any, body: Any) -> list[Signal]:
    try:
        signals: list[Signal] = reader(body)
    except BadPayload as exc:
        raise HttpError(400, str(exc)) from exc
    return signals


@router.post("/monitoring/zabbix", auth=None, response=responses(_200=ReceiveOut, _202=ReceiveOut))
def zabbix_receive(request: HttpRequest) -> HttpResponse:
    """Zabbix webhook media type (``docs/monitoring/zabbix_mediatype_weibao.json``)."""
    token = _token(request)
    return _receive(request, AlertSource.ZABBIX, _parsed(zabbix_signals, _body(request)), token)


@router.post("/monitoring/alertmanager", auth=None, response=responses(_200=ReceiveOut, _202=ReceiveOut))
def alertmanager_receive(request: HttpRequest) -> HttpResponse:
    """Prometheus Alertmanager webhook receiver (payload version 4)."""
    token = _token(request)
    return _receive(request, AlertSource.ALERTMANAGER, _parsed(alertmanager_signals, _body(request)), token)


# --- probes ------------------------------------------------------------------------------------------


class ProbeOut(Schema):
    id: int
    name: str
    kind: str
    hospital_id: int
    contract_id: int | None
    system_id: int
    system_code: str
    module_id: int | None
    endpoint_id: int
    interval_seconds: int
    timeout_seconds: int
    warn: str
    crit: str
    enabled: bool
    failures_to_alert: int
    state: int | None = Field(
        None, description="最近一次的状态：0 正常、1 警告、2 严重、3 未知；未检测为 null"
    )
    state_label: str
    consecutive_failures: int
    alert_open: bool
    last_message: str
    last_duration_ms: int | None
    last_run_at: datetime | None
    next_run_at: datetime | None

    @staticmethod
    def resolve_hospital_id(obj: Probe) -> int:
        return obj.endpoint.system.hospital_id

    @staticmethod
    def resolve_contract_id(obj: Probe) -> int | None:
        return obj.endpoint.system.contract_id

    @staticmethod
    def resolve_system_id(obj: Probe) -> int:
        return obj.endpoint.system_id

    @staticmethod
    def resolve_system_code(obj: Probe) -> str:
        return obj.endpoint.system.code

    @staticmethod
    def resolve_state_label(obj: Probe) -> str:
        return str(ProbeState(obj.state).label) if obj.state is not None else _("未检测")


class ProbeResultOut(Schema):
    at: datetime
    state: int
    duration_ms: int
    message: str
    metrics: dict[str, float]


class ProbeFilter(FilterSchema):
    contract: Annotated[Id | None, FilterLookup("endpoint__system__contract_id")] = None
    system: Annotated[Id | None, FilterLookup("endpoint__system_id")] = None
    kind: ProbeKind | None = None
    state: ProbeState | None = None
    enabled: bool | None = None


class ResultFilter(FilterSchema):
    since: Annotated[IsoDateTime | None, FilterLookup("at__gte")] = None
    until: Annotated[IsoDateTime | None, FilterLookup("at__lt")] = None


probes = ModelRoutes(
    router,
    "/probes",
    Probe.objects.select_related("endpoint__system"),
    ProbeOut,
    id="probe_id",
)
probes.list("探针", filters=ProbeFilter)
probes.detail("探针详情")


@router.get(
    "/probes/{probe_id}/results", response=responses(_200=list[ProbeResultOut]), summary="探针的检测记录"
)
@paginated
def probe_results(request: HttpRequest, probe_id: Id, filters: Query[ResultFilter]) -> QuerySet[ProbeResult]:
    """The probe's raw results (kept 30 days), newest first."""
    probe = probes.get(request, probe_id)
    return filters.filter(ProbeResult.objects.filter(probe=probe)).order_by("-at", "-id")
