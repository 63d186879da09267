"""DICOM Modality Worklist C-FIND for today: the number of scheduled procedure steps.

"Today" is the date of ``now`` (an option, so a test or a replay can fix it). An empty worklist is
WARN during working hours on working days (a modality with nothing scheduled then usually means
the RIS stopped feeding the worklist) and OK outside them. Thresholds, when given, apply to the
count (a bare number N means "alert below N").
"""

from __future__ import annotations

import time
from datetime import datetime

from pydicom.dataset import Dataset
from pynetdicom.sop_class import ModalityWorklistInformationFind  # type: ignore[attr-defined]  # made at import, in globals()

from .base import (
    Deadline,
    Metric,
    ProbeFailure,
    ProbeResult,
    State,
    Target,
    WorklistOptions,
    guarded,
    judge,
)
from .dicom import association

PENDING = {0xFF00, 0xFF01}


def query(day: str, options: WorklistOptions) -> Dataset:
    ds = Dataset()
    ds.PatientName = ""
    ds.PatientID = ""
    ds.AccessionNumber = ""
    step = Dataset()
    step.ScheduledProcedureStepStartDate = day
    step.ScheduledProcedureStepStartTime = ""
    step.Modality = options.modality
    step.ScheduledStationAETitle = options.station_aet
    step.ScheduledProcedureStepDescription = ""
    ds.ScheduledProcedureStepSequence = [step]
    return ds


def in_working_hours(now: datetime, options: WorklistOptions) -> bool:
    start, end = options.working_hours
    return now.weekday() in options.working_days and start <= now.time().replace(tzinfo=None) < end


@guarded
def run(target: Target, deadline: Deadline) -> ProbeResult:
    options = target.options_as(WorklistOptions)
    host, port = target.require_endpoint(104)
    now = options.now or datetime.now().astimezone()
    day = now.strftime("%Y%m%d")
    started = time.monotonic()
    count = 0
    with association(
        host,
        port,
        calling=options.calling_aet,
        called=options.called_aet,
        contexts=[ModalityWorklistInformationFind],
        deadline=deadline,
    ) as assoc:
        for status, _identifier in assoc.send_c_find(query(day, options), ModalityWorklistInformationFind):
            if not status or "Status" not in status:
                raise ProbeFailure(f"{host}:{port}: worklist C-FIND got no answer (timed out or aborted)")
            if status.Status in PENDING:
                count += 1
            elif status.Status != 0x0000:
                raise ProbeFailure(f"{host}:{port}: worklist C-FIND failed with status 0x{status.Status:04X}")
    elapsed = time.monotonic() - started
    warn, crit = target.thresholds()
    metrics = [
        Metric("items", count, warn=warn, crit=crit, min=0),
        Metric("time", round(elapsed, 6), "s", min=0),
    ]
    message = f"worklist {options.called_aet}@{host}:{port} has {count} item(s) for {now:%Y-%m-%d}"
    state = State.OK
    if count == 0 and in_working_hours(now, options):
        state = State.WARN
        message += " during working hours"
    return judge(message, metrics, state=state)
