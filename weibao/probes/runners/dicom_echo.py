"""DICOM C-ECHO (Verification) with the endpoint's calling and called AE titles.

OK when the association is accepted and the echo answers status 0x0000; CRIT when the peer is
unreachable, rejects the association (an unknown called AE title) or answers another status.
"""

from __future__ import annotations

import time

from pynetdicom.sop_class import Verification  # type: ignore[attr-defined]  # made at import, in globals()

from .base import Deadline, DicomOptions, Metric, ProbeFailure, ProbeResult, Target, guarded, judge
from .dicom import association


@guarded
def run(target: Target, deadline: Deadline) -> ProbeResult:
    options = target.options_as(DicomOptions)
    host, port = target.require_endpoint(104)
    started = time.monotonic()
    with association(
        host,
        port,
        calling=options.calling_aet,
        called=options.called_aet,
        contexts=[Verification],
        deadline=deadline,
    ) as assoc:
        status = assoc.send_c_echo()
    elapsed = time.monotonic() - started
    if not status or "Status" not in status:
        raise ProbeFailure(f"{host}:{port}: no answer to C-ECHO (timed out or aborted)")
    if status.Status != 0x0000:
        raise ProbeFailure(f"{host}:{port}: C-ECHO answered status 0x{status.Status:04X}")
    warn, crit = target.thresholds()
    metric = Metric("time", round(elapsed, 6), "s", warn=warn, crit=crit, min=0)
    return judge(
        f"C-ECHO {options.calling_aet}->{options.called_aet}@{host}:{port} OK in {elapsed * 1000:.0f} ms",
        [metric],
    )
