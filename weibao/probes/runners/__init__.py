"""Probe runners: one module per kind, each ``run(target, *, timeout) -> ProbeResult``.

No Django here: the runners are plain functions of a :class:`Target`, with no state kept between
calls, so the job workers, the bench and ``weibao probes check`` call them alike, from many
threads at once.
"""

from __future__ import annotations

import importlib

from .base import (
    BackupOptions,
    ConfigError,
    DicomOptions,
    Hl7Options,
    HttpOptions,
    Metric,
    ProbeResult,
    Range,
    Runner,
    SqlOptions,
    State,
    Target,
    TlsOptions,
    WorklistOptions,
)

# kind -> module; imported on first use, since pynetdicom alone takes a second to import and a
# Nagios check of one TCP port should not pay for it
MODULES: dict[str, str] = {
    "dicom-echo": "dicom_echo",
    "dicom-worklist": "dicom_worklist",
    "hl7": "hl7_mllp",
    "http": "web",
    "soap": "soap",
    "tcp": "tcp",
    "tls": "tls",
    "sql": "sql",
    "backup": "backup",
}

KINDS = tuple(MODULES)


def runner_for(kind: str) -> Runner:
    """The ``run`` function of ``kind``; KeyError when there is no such kind."""
    run: Runner = importlib.import_module(f".{MODULES[kind]}", __name__).run
    return run


def run_probe(kind: str, target: Target, *, timeout: float) -> ProbeResult:
    """Run the probe of ``kind``; an unknown kind is UNKNOWN like any bad configuration."""
    if kind not in MODULES:
        return ProbeResult(
            State.UNKNOWN, f"bad configuration: unknown probe kind {kind!r} (one of {', '.join(KINDS)})"
        )
    return runner_for(kind)(target, timeout=timeout)


__all__ = [
    "KINDS",
    "MODULES",
    "BackupOptions",
    "ConfigError",
    "DicomOptions",
    "Hl7Options",
    "HttpOptions",
    "Metric",
    "ProbeResult",
    "Range",
    "SqlOptions",
    "State",
    "Target",
    "TlsOptions",
    "WorklistOptions",
    "run_probe",
    "runner_for",
]
