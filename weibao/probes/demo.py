"""Demo probes: endpoints of the demo PACS of 惠州 with one probe of each common kind.

They point at 127.0.0.1 ports where nothing may listen, so they would be CRIT or UNKNOWN: they are
created switched off (``enabled=False``), or the demo would open fault tickets by itself. Switch
one on (or press 立即检测) after starting a peer, e.g. ``storescp 11112``.
"""

from __future__ import annotations

from typing import Any

from weibao.contracts.inventory import endpoint_save
from weibao.contracts.models import Contract, Endpoint, MaintainedSystem

from .models import Probe
from .probing import probe_create

# (endpoint name, kind, port, AE title, URL) → probes on it: (name, kind, options)
DEMO = [
    (("PACS DICOM 服务", "dicom", 11112, "PACS01", ""), [("PACS 影像归档 C-ECHO", "dicom-echo", {})]),
    (
        ("PACS Web 阅片", "http", 8081, "", "http://127.0.0.1:8081/"),
        [("Web 阅片首页", "http", {"status": "200"})],
    ),
    (("PACS HTTPS 证书", "http", 8443, "", ""), [("阅片证书有效期", "tls", {"accept_untrusted": True})]),
    (
        ("HIS 接口引擎 MLLP", "hl7_mllp", 2575, "", ""),
        [("HIS ADT 接口 ACK", "hl7", {}), ("接口引擎端口", "tcp", {})],
    ),
]


def demo_probes(ctx: dict[str, Any]) -> list[str]:
    actor = ctx["users"]["demo-hospital"]
    contract = Contract.objects.filter(hospital=ctx["orgs"]["HZZD"], template_code="pacs-huizhou").first()
    system = MaintainedSystem.objects.filter(contract=contract).order_by("pk").first() if contract else None
    if system is None:
        return []
    made = 0
    for (name, kind, port, ae, url), probes in DEMO:
        endpoint = Endpoint.objects.filter(system=system, name=name).first()
        if endpoint is None:
            endpoint = endpoint_save(
                actor=actor,
                endpoint=Endpoint(
                    system=system, name=name, kind=kind, host="127.0.0.1", port=port, ae_title=ae, url=url
                ),
            )
        for probe_name, probe_kind, options in probes:
            if Probe.objects.filter(endpoint=endpoint, name=probe_name).exists():
                continue
            probe_create(
                actor=actor,
                endpoint=endpoint,
                name=probe_name,
                kind=probe_kind,
                options=options,
                interval_seconds=300,
                timeout_seconds=5,
                enabled=False,  # 127.0.0.1 ports that may be closed: on, they would open tickets
            )
            made += 1
    return [f"演示探针（未启用）/ demo probes (disabled): {made}"] if made else []
