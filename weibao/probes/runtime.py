"""Running the stored probes: pick the due ones, run them at once, record what they found.

Rules:

* A probe is due when it is enabled and its ``next_run_at`` has come (a new probe's is its
  creation). Picking moves ``next_run_at`` one interval on before anything runs, so a run that
  outlasts the next tick is not picked twice.
* The runs go to a bounded thread pool (``WEIBAO_PROBE_CONCURRENCY`` threads, 64 by default):
  the runners are plain functions without Django, each bounded by its own timeout, that never
  raise. Targets (with the endpoint's decrypted credential) are built before, in the calling
  thread; the threads touch no database.
* Results are written in bulk (one insert of the results, one update of the probes).
* CRIT ``failures_to_alert`` times in a row raises the probe's alert (source ``probe``, key
  ``probe:<id>``), which opens one fault ticket for the system; further CRIT runs raise it again,
  which the alerts module reads as "still failing" (no new ticket, an hourly note at most). The
  first OK after that clears the alert: a recovery note on the ticket. WARN and UNKNOWN neither
  count as failures nor clear an open alert.
"""

from __future__ import annotations

import concurrent.futures
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import alerts
from .choices import ProbeState
from .models import Probe, ProbeResult
from .models.alerts import AlertSource
from .runners import ConfigError, State, Target, run_probe
from .runners import ProbeResult as Found
from .targets import EndpointView, build_target

log = logging.getLogger("weibao.probes")

#: Past its own timeout a run is given this long before it is recorded as UNKNOWN.
GRACE = 5.0


@dataclass
class Outcome:
    """One probe's run: the probe and what its runner found."""

    probe: Probe
    found: Found


@dataclass
class Summary:
    """What one pass did: how many ran, by state; alerts raised and cleared."""

    ran: int = 0
    states: dict[str, int] = field(default_factory=dict)
    raised: int = 0
    cleared: int = 0


def endpoint_view(probe: Probe) -> EndpointView:
    """The endpoint of ``probe`` as a target needs it, its credential decrypted."""
    ep = probe.endpoint
    return EndpointView(
        host=ep.host,
        port=ep.port,
        ae_title=ep.ae_title,
        url=ep.url,
        dsn=ep.dsn,
        username=ep.username,
        password=ep.get_credential() if ep.has_credential else "",
    )


def target_of(probe: Probe) -> Target:
    """The runner's target for a stored probe; :class:`ConfigError` when misconfigured."""
    return build_target(
        kind=probe.kind,
        endpoint=endpoint_view(probe),
        options=probe.options or {},
        timeout=float(probe.timeout_seconds),
        warn=probe.warn,
        crit=probe.crit,
    )


def pick_due(*, now: datetime | None = None, limit: int | None = None) -> list[Probe]:
    """The due probes, claimed: their ``next_run_at`` moved one interval on."""
    now = now or timezone.now()
    with transaction.atomic():
        qs = (
            Probe.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(enabled=True, next_run_at__lte=now)
            .select_related("endpoint", "endpoint__system", "module")
            .order_by("next_run_at", "pk")
        )
        probes = list(qs[:limit] if limit else qs)
        for probe in probes:
            probe.next_run_at = now + timedelta(seconds=probe.interval_seconds)
        Probe.objects.bulk_update(probes, ["next_run_at"], batch_size=500)
    return probes


def run_targets(jobs: Sequence[tuple[str, Target, float]], *, max_workers: int | None = None) -> list[Found]:
    """Run ``(kind, target, timeout)`` jobs at once in a bounded pool; the results in order."""
    if not jobs:
        return []
    workers = max(1, min(max_workers or settings.WEIBAO_PROBE_CONCURRENCY, len(jobs)))
    results: list[Found | None] = [None] * len(jobs)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="probe")
    try:
        futures = {
            pool.submit(run_probe, kind, target, timeout=timeout): i
            for i, (kind, target, timeout) in enumerate(jobs)
        }
        longest = max(timeout for _k, _t, timeout in jobs)
        # Runs queue behind each other when there are more than threads: the whole pass may take
        # (runs / threads) timeouts at worst; a run still going after that is reported, not awaited.
        rounds = -(-len(jobs) // workers)
        done, pending = concurrent.futures.wait(futures, timeout=rounds * longest + GRACE)
        for future in done:
            results[futures[future]] = future.result()
        for future in pending:
            _kind, _target, timeout = jobs[futures[future]]
            results[futures[future]] = Found(
                State.UNKNOWN, f"probe did not finish within {timeout:g}s", timeout
            )
    finally:
        # Not waiting: a runner stuck past its own timeout ends in its thread, unread.
        pool.shutdown(wait=False, cancel_futures=True)
    return [r if r is not None else Found(State.UNKNOWN, "probe did not run") for r in results]


def run_probes(probes: Sequence[Probe], *, max_workers: int | None = None) -> list[Outcome]:
    """Run the probes at once; a probe whose configuration does not add up is UNKNOWN."""
    jobs: list[tuple[str, Target, float]] = []
    index: list[int] = []
    outcomes: list[Outcome | None] = [None] * len(probes)
    for i, probe in enumerate(probes):
        try:
            jobs.append((probe.kind, target_of(probe), float(probe.timeout_seconds)))
            index.append(i)
        except ConfigError as exc:
            outcomes[i] = Outcome(probe, Found(State.UNKNOWN, f"bad configuration: {exc}"))
    for i, found in zip(index, run_targets(jobs, max_workers=max_workers), strict=True):
        outcomes[i] = Outcome(probes[i], found)
    return [o for o in outcomes if o is not None]


def _compact(found: Found) -> dict[str, float]:
    return {m.label[:32]: m.value for m in found.metrics[:8]}


def record(outcomes: Iterable[Outcome], *, now: datetime | None = None) -> Summary:
    """Store the results, move each probe's state, and raise or clear its alert."""
    now = now or timezone.now()
    summary = Summary()
    rows: list[ProbeResult] = []
    changed: list[Probe] = []
    to_raise: list[Outcome] = []
    to_clear: list[Outcome] = []
    for outcome in outcomes:
        probe, found = outcome.probe, outcome.found
        state = int(found.state)
        duration_ms = max(0, round(found.duration * 1000))
        message = " ".join(found.message.split())
        rows.append(
            ProbeResult(
                probe=probe,
                at=now,
                state=state,
                duration_ms=duration_ms,
                message=message[:200],
                metrics=_compact(found),
            )
        )
        probe.state = state
        probe.last_message = message[:300]
        probe.last_duration_ms = duration_ms
        probe.last_run_at = now
        if state == ProbeState.CRIT:
            probe.consecutive_failures += 1
            if probe.consecutive_failures >= max(1, probe.failures_to_alert):
                to_raise.append(outcome)
        else:
            probe.consecutive_failures = 0
            if state == ProbeState.OK and probe.alert_open:
                to_clear.append(outcome)
        changed.append(probe)
        summary.ran += 1
        name = ProbeState(state).name
        summary.states[name] = summary.states.get(name, 0) + 1
    with transaction.atomic():
        ProbeResult.objects.bulk_create(rows, batch_size=500)
        Probe.objects.bulk_update(
            changed,
            ["state", "last_message", "last_duration_ms", "last_run_at", "consecutive_failures"],
            batch_size=500,
        )
    for outcome in to_raise:
        summary.raised += _raise(outcome, now)
    for outcome in to_clear:
        summary.cleared += _clear(outcome, now)
    return summary


def _raise(outcome: Outcome, now: datetime) -> int:
    probe = outcome.probe
    system = probe.endpoint.system
    message = f"{probe.name}：{probe.last_message}"
    try:
        alerts.alert_raise(
            system=system,
            module=probe.module,
            source=AlertSource.PROBE,
            key=probe.alert_key,
            message=message,
            at=now,
            severity="critical",
        )
    except ValidationError as exc:  # no contract in force covers the system: kept, shown, no ticket
        alerts.alert_keep(
            hospital_id=system.hospital_id,
            system=system,
            source=AlertSource.PROBE,
            key=probe.alert_key,
            message=message,
            note=" ".join(exc.messages),
            at=now,
            severity="critical",
        )
    opened = not probe.alert_open
    if opened:
        probe.alert_open = True
        Probe.objects.filter(pk=probe.pk).update(alert_open=True)
    return int(opened)


def _clear(outcome: Outcome, now: datetime) -> int:
    probe = outcome.probe
    system = probe.endpoint.system
    # Closes the alert whether it holds a ticket (which gets the recovery note) or was kept without.
    alerts.alert_clear(
        system=system,
        source=AlertSource.PROBE,
        key=probe.alert_key,
        message=f"{probe.name}：{probe.last_message}",
        at=now,
    )
    probe.alert_open = False
    Probe.objects.filter(pk=probe.pk).update(alert_open=False)
    return 1


def run_due(*, now: datetime | None = None, max_workers: int | None = None) -> Summary:
    """One pass: pick the due probes, run them at once, record. What the periodic job calls."""
    now = now or timezone.now()
    probes = pick_due(now=now)
    if not probes:
        return Summary()
    summary = record(run_probes(probes, max_workers=max_workers), now=timezone.now())
    log.info(
        "probes ran=%d states=%s raised=%d cleared=%d",
        summary.ran,
        summary.states,
        summary.raised,
        summary.cleared,
    )
    return summary
