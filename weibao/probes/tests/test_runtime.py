"""The probe runtime against real peers: due probes run at once, results are stored, CRIT N times
in a row opens exactly one ticket, and the recovery notes it."""

from __future__ import annotations

import socket
import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from weibao.probes import runtime
from weibao.probes.choices import ProbeState
from weibao.probes.models import Alert, Probe, ProbeResult
from weibao.probes.tasks import probes_run_due
from weibao.servicedesk.choices import EventKind, TicketChannel
from weibao.servicedesk.models import Ticket

from .conftest import free_port
from .factories import make_probe

pytestmark = pytest.mark.django_db


def test_due_probes_run_and_their_states_are_stored(covered, storescp):
    system = covered()
    echo = make_probe(system, kind="dicom-echo", port=storescp, options={"called_aet": "STORESCP"})
    closed = make_probe(system, kind="tcp", port=free_port())
    later = make_probe(system, kind="tcp", port=storescp, next_run_at=timezone.now() + timedelta(hours=1))
    off = make_probe(system, kind="tcp", port=storescp, enabled=False)
    summary = runtime.run_due()
    assert summary.ran == 2 and summary.states == {"OK": 1, "CRIT": 1}
    echo.refresh_from_db()
    closed.refresh_from_db()
    assert echo.state == ProbeState.OK and "C-ECHO" in echo.last_message
    assert closed.state == ProbeState.CRIT and "connection refused" in closed.last_message
    assert closed.consecutive_failures == 1
    assert echo.next_run_at > timezone.now() + timedelta(seconds=50)  # moved one interval on
    result = ProbeResult.objects.get(probe=echo)
    assert result.state == 0 and "time" in result.metrics and result.duration_ms >= 0
    assert ProbeResult.objects.get(probe=closed).state == 2
    assert not ProbeResult.objects.filter(probe__in=[later, off]).exists()
    assert runtime.run_due().ran == 0  # nothing due any more


def test_the_periodic_job_runs_the_due_probes(covered, storescp):
    probe = make_probe(covered(), kind="tcp", port=storescp)
    probes_run_due.call_local()
    probe.refresh_from_db()
    assert probe.state == ProbeState.OK and probe.last_run_at is not None


def test_a_misconfigured_probe_is_unknown_not_crit(covered):
    probe = make_probe(covered(), kind="tcp", port=None, failures_to_alert=1)
    runtime.run_due()
    probe.refresh_from_db()
    assert probe.state == ProbeState.UNKNOWN and "no port" in probe.last_message
    assert not Ticket.objects.exists()


def test_crit_n_times_opens_one_ticket_and_recovery_notes_it(covered):
    system = covered()
    port = free_port()
    probe = make_probe(system, kind="tcp", port=port, failures_to_alert=3, interval_seconds=60)
    now = timezone.now()

    def tick(n: int) -> runtime.Summary:
        return runtime.run_due(now=now + timedelta(minutes=n))

    tick(0)
    tick(1)
    assert not Ticket.objects.exists()  # two failures: not yet
    assert tick(2).raised == 1
    ticket = Ticket.objects.get()
    assert ticket.channel == TicketChannel.PROBE and ticket.system_id == system.pk
    assert "connection refused" in ticket.description
    for n in range(3, 6):
        assert tick(n).raised == 0
    assert Ticket.objects.count() == 1  # stays one while open
    probe.refresh_from_db()
    assert probe.consecutive_failures == 6 and probe.alert_open
    assert Alert.objects.get(key=probe.alert_key).ticket_id == ticket.pk

    with socket.create_server(("127.0.0.1", port)):
        assert tick(6).cleared == 1
    notes = list(ticket.events.filter(kind=EventKind.REPLY).values_list("body", flat=True))
    assert len(notes) == 1 and notes[0].startswith("已恢复") and "accepts connections" in notes[0]
    probe.refresh_from_db()
    assert probe.state == ProbeState.OK and probe.consecutive_failures == 0 and not probe.alert_open
    assert Alert.objects.get(key=probe.alert_key).cleared_at is not None
    assert Ticket.objects.count() == 1


def test_a_failure_between_oks_does_not_count_towards_the_alert(covered, storescp):
    probe = make_probe(covered(), kind="tcp", port=free_port(), failures_to_alert=2)
    now = timezone.now()
    runtime.run_due(now=now)
    probe.endpoint.port = storescp
    probe.endpoint.save(update_fields=["port"])
    runtime.run_due(now=now + timedelta(minutes=1))
    probe.refresh_from_db()
    assert probe.state == ProbeState.OK and probe.consecutive_failures == 0
    assert not Ticket.objects.exists()


@pytest.fixture
def counting_peer():
    """A port that accepts connections, never answers, and counts how many were open at once."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    open_now: set[socket.socket] = set()
    most = [0]
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _addr = listener.accept()
                conn.setblocking(False)
                open_now.add(conn)
            except OSError:
                pass
            for conn in list(open_now):  # a closed client reads as b""
                try:
                    if conn.recv(4096) == b"":
                        open_now.discard(conn)
                        conn.close()
                except BlockingIOError:
                    pass
                except OSError:
                    open_now.discard(conn)
            most[0] = max(most[0], len(open_now))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1], most
    stop.set()
    thread.join(2)
    for conn in open_now:
        conn.close()
    listener.close()


def test_many_probes_run_at_once_in_the_bounded_pool(covered, counting_peer, settings):
    """Twenty probes against a peer that never answers, each bounded by its 1 s timeout, in a
    pool of 8 threads: the peer sees 8 connections open at once (no more: the pool is bounded),
    and every run is recorded as a CRIT timeout."""
    port, most = counting_peer
    settings.WEIBAO_PROBE_CONCURRENCY = 8
    system = covered()
    for i in range(20):
        make_probe(system, kind="dicom-echo", port=port, timeout_seconds=1, name=f"echo {i}")
    summary = runtime.run_due()
    assert summary.ran == 20 and summary.states == {"CRIT": 20}
    assert most[0] == 8
    messages = set(Probe.objects.values_list("last_message", flat=True))
    assert all("timed out" in m or "no answer" in m or "aborted" in m for m in messages), messages


def test_a_stored_sql_probe_connects_with_the_endpoints_encrypted_credential(covered):
    """PostgreSQL (the suite's server, trust auth) with the user and credential of the endpoint."""
    from weibao.contracts.models import Endpoint

    from .conftest import PG_DSN

    system = covered()
    endpoint = Endpoint(
        system=system,
        name="HIS 库",
        kind="database",
        dsn=PG_DSN.replace("postgres@", ""),
        username="postgres",
    )
    endpoint.set_credential("s3cret:/@")
    endpoint.save()
    probe = Probe.objects.create(
        endpoint=endpoint,
        name="挂号数",
        kind="sql",
        options={"query": "SELECT 42"},
        crit="~:40",
        next_run_at=timezone.now(),
    )
    assert "s3cret" not in str(Probe.objects.filter(pk=probe.pk).values().get())
    assert runtime.target_of(probe).options.dsn.startswith("postgresql://postgres:s3cret%3A%2F%40@")
    runtime.run_due()
    probe.refresh_from_db()
    assert probe.state == ProbeState.CRIT and "42" in probe.last_message  # 42 is outside ~:40
