"""Receivers of the hospital's own monitoring: a Zabbix webhook media type and a Prometheus
Alertmanager webhook. Each is authenticated by the hospital's monitoring token (not a user's
token): ``Authorization: Bearer wbm_…``. A missing, wrong or revoked token gets 401 JSON.

Answers 200 with what became of each alert; 202 when some alert was kept without a ticket (its
host or labels map to no system, or no contract covers the system), with a note saying so.
"""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from weibao.core.api import json_response, responses

from . import services
from .models import MonitoringToken
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
