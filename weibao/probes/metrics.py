"""The probes' current state in the Prometheus text exposition format (version 0.0.4).

Written by hand (``prometheus_client`` is not a dependency, and the format is a few lines):
for each enabled probe that has run, ``probe_success`` (1 when the last run was OK or WARN:
the service answered; 0 for CRIT and UNKNOWN), ``probe_duration_seconds`` (the last run's
duration) and ``probe_state`` (the Nagios number), labelled with the probe's id and name, the
system's code and the kind.
"""

from __future__ import annotations

from collections.abc import Iterable

from .models import Probe

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

_HELP = {
    "probe_success": ("gauge", "1 if the last run of the probe was OK or WARN, else 0"),
    "probe_duration_seconds": ("gauge", "how long the last run of the probe took, in seconds"),
    "probe_state": ("gauge", "the last run's state: 0 OK, 1 WARN, 2 CRIT, 3 UNKNOWN"),
}


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(probe: Probe) -> str:
    pairs = {
        "probe_id": str(probe.pk),
        "probe": probe.name,
        "system": probe.endpoint.system.code,
        "kind": probe.kind,
    }
    return ",".join(f'{k}="{_escape(v)}"' for k, v in pairs.items())


def exposition(probes: Iterable[Probe]) -> str:
    """The text of ``/metrics`` for ``probes`` (those not run yet are left out)."""
    ran = [p for p in probes if p.state is not None]
    lines: list[str] = []
    for name, (kind, help_text) in _HELP.items():
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")
        for probe in ran:
            state = probe.state or 0
            if name == "probe_success":
                value = "1" if state in (0, 1) else "0"
            elif name == "probe_duration_seconds":
                value = f"{(probe.last_duration_ms or 0) / 1000:.3f}"
            else:
                value = str(state)
            lines.append(f"{name}{{{_labels(probe)}}} {value}")
    return "\n".join(lines) + "\n"


def probes_of_hospital(hospital_id: int) -> Iterable[Probe]:
    """The enabled probes of one hospital (what its monitoring token may read)."""
    return (
        Probe.objects.filter(endpoint__system__hospital_id=hospital_id, enabled=True)
        .select_related("endpoint__system")
        .order_by("pk")
        .iterator(chunk_size=2000)
    )
