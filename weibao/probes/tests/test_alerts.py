"""An alert opens one fault ticket while it is open, and its recovery notes the ticket."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from weibao.probes.alerts import NoContract, alert_clear, alert_raise
from weibao.probes.models import Alert
from weibao.servicedesk.choices import EventKind, TicketChannel, TicketState
from weibao.servicedesk.models import Ticket

pytestmark = pytest.mark.django_db


def test_a_raise_opens_one_fault_ticket_under_the_covering_contract(covered):
    system = covered()
    ticket = alert_raise(system=system, source="probe", key="dicom-echo:1", message="C-ECHO 超时")
    assert ticket.system_id == system.pk
    assert ticket.contract_id == system.contract_id
    assert ticket.channel == TicketChannel.PROBE
    assert ticket.get_channel_display() == "自动探测"
    assert ticket.term.category == "fault"
    assert ticket.reporter_id is None
    assert "C-ECHO 超时" in ticket.title
    assert ticket.state == TicketState.NEW


def test_the_same_alert_raised_again_opens_no_second_ticket_and_notes_at_most_hourly(covered):
    system = covered()
    t0 = timezone.now()
    first = alert_raise(system=system, source="probe", key="k", message="down", at=t0)
    again = alert_raise(system=system, source="probe", key="k", message="down", at=t0 + timedelta(minutes=5))
    assert again.pk == first.pk
    assert Ticket.objects.count() == 1
    assert not first.events.filter(kind=EventKind.REPLY).exists()
    alert_raise(system=system, source="probe", key="k", message="still down", at=t0 + timedelta(minutes=61))
    alert_raise(system=system, source="probe", key="k", message="still down", at=t0 + timedelta(minutes=70))
    notes = list(first.events.filter(kind=EventKind.REPLY).values_list("body", flat=True))
    assert notes == ["仍在告警：still down"]
    assert Alert.objects.get().last_seen_at == t0 + timedelta(minutes=70)


def test_recovery_notes_the_ticket_which_stays_open_and_a_new_raise_opens_a_new_ticket(covered):
    system = covered()
    ticket = alert_raise(system=system, source="zabbix", key="42", message="磁盘满")
    cleared = alert_clear(system=system, source="zabbix", key="42", message="磁盘使用 60%")
    assert cleared is not None and cleared.pk == ticket.pk
    note = ticket.events.filter(kind=EventKind.REPLY).get()
    assert note.body.startswith("已恢复")
    assert note.actor_id is None and not note.internal
    ticket.refresh_from_db()
    assert ticket.state == TicketState.NEW  # the engineer resolves it
    assert Alert.objects.get().cleared_at is not None
    assert alert_clear(system=system, source="zabbix", key="42", message="") is None
    second = alert_raise(system=system, source="zabbix", key="42", message="磁盘又满")
    assert second.pk != ticket.pk


def test_another_source_or_key_is_another_alert(covered):
    system = covered()
    a = alert_raise(system=system, source="zabbix", key="1", message="x")
    b = alert_raise(system=system, source="alertmanager", key="1", message="x")
    c = alert_raise(system=system, source="zabbix", key="2", message="x")
    assert len({a.pk, b.pk, c.pk}) == 3


def test_a_severity_is_mapped_onto_a_contract_that_times_faults_by_class(covered):
    system = covered("regional-zhenhai", "plat-mon")
    worst = alert_raise(system=system, source="zabbix", key="1", message="x", severity="Disaster")
    mild = alert_raise(system=system, source="zabbix", key="2", message="y", severity="Information")
    levels = list(system.contract.severities.order_by("order"))
    assert worst.severity_id == levels[0].pk
    assert mild.severity_id == levels[-1].pk


def test_no_contract_in_force_keeps_nothing(hospital):
    from weibao.contracts.models import MaintainedSystem

    system = MaintainedSystem.objects.create(hospital=hospital, code="x", name="无合同系统", kind="PACS")
    with pytest.raises(NoContract):
        alert_raise(system=system, source="probe", key="k", message="down")
    assert not Alert.objects.exists() and not Ticket.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_raises_open_one_ticket(covered):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises them)")
    system = covered()
    barrier = threading.Barrier(4)
    results: list[int] = []
    errors: list[BaseException] = []

    def raise_it() -> None:
        try:
            barrier.wait()
            results.append(alert_raise(system=system, source="probe", key="race", message="down").pk)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=raise_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 4 and len(set(results)) == 1
    assert Ticket.objects.filter(system=system).count() == 1
    assert Alert.objects.filter(key="race").count() == 1
