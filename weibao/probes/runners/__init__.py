"""Probe runners: one module per kind, each ``run(target, *, timeout) -> ProbeResult``.

No Django here: the runners are plain functions of a :class:`Target`, with no state kept between
calls, so the job workers, the bench and ``weibao probes check`` call them alike, from many
threads at once.
"""

from __future__ import annotations

from . import backup, dicom_echo, dicom_worklist, hl7_mllp, soap, sql, tcp, tls, web
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

RUNNERS: dict[str, Runner] = {
    "dicom-echo": dicom_echo.run,
    "dicom-worklist": dicom_worklist.run,
    "hl7": hl7_mllp.run,
    "http": web.run,
    "soap": soap.run,
    "tcp": tcp.run,
    "tls": tls.run,
    "sql": sql.run,
    "backup": backup.run,
}

KINDS = tuple(RUNNERS)


def run_probe(kind: str, target: Target, *, timeout: float) -> ProbeResult:
    """Run the probe of ``kind``; an unknown kind is UNKNOWN like any bad configuration."""
    runner = RUNNERS.get(kind)
    if runner is None:
        return ProbeResult(
            State.UNKNOWN, f"bad configuration: unknown probe kind {kind!r} (one of {', '.join(KINDS)})"
        )
    return runner(target, timeout=timeout)


__all__ = [
    "KINDS",
    "RUNNERS",
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
]
