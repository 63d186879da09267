"""What a Zabbix webhook or a Prometheus Alertmanager webhook says, read into :class:`Signal` s.

Pure: no database. A body that is not what the sender's documented format says raises
:class:`BadPayload` with a message for the hospital's monitoring admin.

* Zabbix: the JSON object our media type's script posts (``docs/monitoring/``): ``event_id``,
  ``host``, ``trigger_name``, ``severity``, ``status`` (PROBLEM, RESOLVED or OK; UPDATE, an
  acknowledgement, is ignored) and ``message``; optionally ``event_time`` (ISO 8601). A problem and
  its recovery carry the same ``event_id`` (Zabbix's ``{EVENT.ID}``), which is the alert's key.
* Alertmanager: the webhook payload, version 4: ``alerts[]`` each with ``status`` (firing or
  resolved), ``labels``, ``annotations``, ``startsAt``, ``endsAt`` and ``fingerprint`` (the key).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _


class BadPayload(ValueError):
    """The body is not the sender's format."""


@dataclass(frozen=True)
class Signal:
    """One alert's state as the monitor reports it."""

    key: str
    firing: bool
    message: str
    severity: str = ""
    at: datetime | None = None
    host: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)


def _when(text: Any) -> datetime | None:
    """An ISO 8601 instant with its offset; None for none, Go's zero time or a naive one."""
    if not isinstance(text, str) or not text or text.startswith("0001-"):
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _text(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name)
    return "" if value is None else str(value).strip()


ZABBIX_FIRING = frozenset({"PROBLEM"})
ZABBIX_RECOVERED = frozenset({"RESOLVED", "OK", "RECOVERY"})


def zabbix_signals(body: Any) -> list[Signal]:
    """The signal of a Zabbix media type's post; empty for an update (acknowledgement)."""
    if not isinstance(body, Mapping):
        raise BadPayload(_("Zabbix 告警须为 JSON 对象。"))
    event_id, host = _text(body, "event_id"), _text(body, "host")
    status = _text(body, "status").upper()
    missing = [n for n, v in (("event_id", event_id), ("host", host), ("status", status)) if not v]
    if missing:
        raise BadPayload(_("Zabbix 告警缺少字段：%(f)s。") % {"f": "、".join(missing)})
    if status not in ZABBIX_FIRING | ZABBIX_RECOVERED:
        if status == "UPDATE":
            return []
        raise BadPayload(_("未知的 Zabbix 告警状态：%(s)s（应为 PROBLEM、RESOLVED 或 OK）。") % {"s": status})
    trigger, message = _text(body, "trigger_name"), _text(body, "message")
    summary = trigger if not message else (f"{trigger}：{message}" if trigger else message)
    return [
        Signal(
            key=event_id[:200],
            firing=status in ZABBIX_FIRING,
            message=summary or host,
            severity=_text(body, "severity"),
            at=_when(body.get("event_time")),
            host=host,
        )
    ]


def _strings(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, Mapping) else {}


def alertmanager_signals(body: Any) -> list[Signal]:
    """The signals of an Alertmanager webhook post (payload version 4), one per alert."""
    if not isinstance(body, Mapping) or not isinstance(body.get("alerts"), list):
        raise BadPayload(_("Alertmanager 告警须为 webhook 格式（version 4，含 alerts 列表）。"))
    if str(body.get("version", "4")) != "4":
        raise BadPayload(
            _("不支持的 Alertmanager webhook 版本：%(v)s（应为 4）。") % {"v": body.get("version")}
        )
    found: list[Signal] = []
    for alert in body["alerts"]:
        if not isinstance(alert, Mapping):
            raise BadPayload(_("Alertmanager 告警列表中的每一项须为对象。"))
        labels, notes = _strings(alert.get("labels")), _strings(alert.get("annotations"))
        status = _text(alert, "status").lower()
        if status not in ("firing", "resolved"):
            raise BadPayload(
                _("未知的 Alertmanager 告警状态：%(s)s（应为 firing 或 resolved）。") % {"s": status}
            )
        key = (
            _text(alert, "fingerprint")
            or hashlib.sha256(repr(sorted(labels.items())).encode()).hexdigest()[:16]
        )
        name = labels.get("alertname", "")
        detail = notes.get("summary") or notes.get("description") or ""
        message = f"{name}：{detail}" if name and detail else (detail or name or key)
        firing = status == "firing"
        found.append(
            Signal(
                key=key[:200],
                firing=firing,
                message=message,
                severity=labels.get("severity", ""),
                at=_when(alert.get("startsAt") if firing else alert.get("endsAt")),
                labels=labels,
            )
        )
    return found
