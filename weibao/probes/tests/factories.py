"""Probes for the tests: an endpoint of a system and a probe on it, straight into the tables."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from weibao.contracts.models import Endpoint, MaintainedSystem
from weibao.probes.models import Probe


def make_probe(
    system: MaintainedSystem, *, kind: str, port: int | None, host: str = "127.0.0.1", **fields: Any
) -> Probe:
    ep_fields = {k[3:]: fields.pop(k) for k in list(fields) if k.startswith("ep_")}
    endpoint = Endpoint.objects.create(
        system=system, name=fields.get("name", f"{kind} 端点"), kind="tcp", host=host, port=port, **ep_fields
    )
    defaults: dict[str, Any] = {
        "name": f"{kind} {port}",
        "interval_seconds": 60,
        "timeout_seconds": 3,
        "failures_to_alert": 3,
        "next_run_at": timezone.now(),
    }
    defaults.update(fields)
    return Probe.objects.create(endpoint=endpoint, kind=kind, **defaults)
