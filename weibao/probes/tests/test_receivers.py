"""The hospital's Zabbix and Alertmanager post alerts; each opens one ticket and notes recovery."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from weibao.accounts.choices import Role
from weibao.probes.models import Alert, MonitoringMapping, MonitoringToken
from weibao.probes.services import monitoring_mapping_create, monitoring_token_create, monitoring_token_revoke
from weibao.servicedesk.choices import EventKind, TicketChannel
from weibao.servicedesk.models import Ticket
from weibao.testing.factories import member

pytestmark = pytest.mark.django_db

ZABBIX = "/api/v1/monitoring/zabbix"
ALERTMANAGER = "/api/v1/monitoring/alertmanager"


def zabbix(status: str = "PROBLEM", event_id: str = "3456", host: str = "pacs-db01") -> dict:
    return {
        "event_id": event_id,
        "host": host,
        "trigger_name": "PACS 归档磁盘使用率超过 90%",
        "severity": "High",
        "status": status,
        "message": "/data 使用率 93%" if status == "PROBLEM" else "/data 使用率 61%",
        "event_time": "2026-12-03T09:15:00+08:00",
    }


def alertmanager(status: str = "firing", instance: str = "10.1.2.3:9100") -> dict:
    alert = {
        "status": status,
        "labels": {"alertname": "PacsDown", "instance": instance, "job": "pacs", "severity": "critical"},
        "annotations": {"summary": "PACS 归档服务不可达"},
        "startsAt": "2026-12-03T01:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-12-03T01:20:00Z",
        "generatorURL": "http://prometheus:9090/graph",
        "fingerprint": "a1b2c3d4e5f60718",
    }
    return {
        "version": "4",
        "groupKey": '{}:{alertname="PacsDown"}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "weibao",
        "groupLabels": {"alertname": "PacsDown"},
        "commonLabels": alert["labels"],
        "commonAnnotations": alert["annotations"],
        "externalURL": "http://alertmanager:9093",
        "alerts": [alert],
    }


@pytest.fixture
def wired(hospital, covered):
    """The hospital's admin, a covered PACS, its Zabbix host and Alertmanager instance mapped,
    and a client sending the hospital's monitoring token."""
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    system = covered()
    monitoring_mapping_create(
        actor=admin, hospital=hospital, source="zabbix", value="pacs-db01", system=system
    )
    monitoring_mapping_create(
        actor=admin,
        hospital=hospital,
        source="alertmanager",
        label="instance",
        value="10.1.2.3:9100",
        system=system,
        module=system.modules.get(),
    )
    token, raw = monitoring_token_create(actor=admin, hospital=hospital, name="Zabbix")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return {"admin": admin, "system": system, "token": token, "raw": raw, "client": client}


def post(client: Client, url: str, body: dict):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_a_zabbix_problem_opens_one_ticket_a_repeat_none_and_its_recovery_notes_it(wired):
    c, system = wired["client"], wired["system"]
    r = post(c, ZABBIX, zabbix())
    assert r.status_code == 200, r.content
    [row] = r.json()["received"]
    ticket = Ticket.objects.get()
    assert row == {"key": "3456", "outcome": "raised", "ticket": ticket.number, "note": ""}
    assert ticket.system_id == system.pk and ticket.channel == TicketChannel.PROBE
    assert "PACS 归档磁盘使用率超过 90%" in ticket.title and "/data 使用率 93%" in ticket.description

    assert post(c, ZABBIX, zabbix()).json()["received"][0]["ticket"] == ticket.number
    assert Ticket.objects.count() == 1

    r = post(c, ZABBIX, zabbix("RESOLVED"))
    assert r.status_code == 200 and r.json()["received"][0]["outcome"] == "recovered"
    note = ticket.events.get(kind=EventKind.REPLY)
    assert note.body.startswith("已恢复") and "61%" in note.body
    assert Ticket.objects.count() == 1
    assert Alert.objects.get().cleared_at is not None


def test_an_alertmanager_alert_opens_one_ticket_on_the_mapped_module_and_resolved_notes_it(wired):
    c, system = wired["client"], wired["system"]
    r = post(c, ALERTMANAGER, alertmanager())
    assert r.status_code == 200, r.content
    ticket = Ticket.objects.get()
    assert ticket.system_id == system.pk and ticket.module_id == system.modules.get().pk
    assert "PacsDown" in ticket.title and "PACS 归档服务不可达" in ticket.title
    post(c, ALERTMANAGER, alertmanager())
    assert Ticket.objects.count() == 1
    r = post(c, ALERTMANAGER, alertmanager("resolved"))
    assert r.json()["received"][0] == {
        "key": "a1b2c3d4e5f60718",
        "outcome": "recovered",
        "ticket": ticket.number,
        "note": "",
    }
    assert ticket.events.get(kind=EventKind.REPLY).body.startswith("已恢复")


def test_an_unmapped_alert_is_kept_and_answered_202_with_a_note(wired):
    r = post(wired["client"], ALERTMANAGER, alertmanager(instance="10.9.9.9:9100"))
    assert r.status_code == 202
    assert "未能开单" in r.json()["note"]
    assert r.json()["received"][0]["outcome"] == "kept"
    kept = Alert.objects.get()
    assert kept.system_id is None and kept.ticket_id is None and "映射" in kept.note
    assert not Ticket.objects.exists()
    post(wired["client"], ALERTMANAGER, alertmanager(instance="10.9.9.9:9100"))
    assert Alert.objects.count() == 1
    post(wired["client"], ALERTMANAGER, alertmanager("resolved", instance="10.9.9.9:9100"))
    assert Alert.objects.get().cleared_at is not None


@pytest.mark.parametrize("header", [None, "Bearer wbm_wrong", "Bearer ", "Token x", "revoked"])
def test_a_missing_wrong_or_revoked_token_gets_401_json(wired, header):
    if header == "revoked":
        monitoring_token_revoke(actor=wired["admin"], token=wired["token"])
        header = f"Bearer {wired['raw']}"
    c = Client(HTTP_AUTHORIZATION=header) if header else Client()
    for url, body in ((ZABBIX, zabbix()), (ALERTMANAGER, alertmanager())):
        r = post(c, url, body)
        assert r.status_code == 401
        assert r.json()["code"] == "unauthorized" and "令牌" in r.json()["detail"]
    assert not Ticket.objects.exists() and not Alert.objects.exists()


def test_another_hospitals_token_cannot_raise_on_this_hospitals_system(wired, other_hospital):
    other_admin = member(other_hospital, Role.HOSPITAL_ADMIN)
    _token, raw = monitoring_token_create(actor=other_admin, hospital=other_hospital, name="B")
    r = post(Client(HTTP_AUTHORIZATION=f"Bearer {raw}"), ZABBIX, zabbix())
    assert r.status_code == 202  # kept at the other hospital, unmapped there
    assert not Ticket.objects.exists()
    assert Alert.objects.get().hospital_id == other_hospital.pk


def test_a_mapping_cannot_name_another_hospitals_system(wired, other_hospital):
    from django.core.exceptions import ValidationError

    other_admin = member(other_hospital, Role.HOSPITAL_ADMIN)
    with pytest.raises(ValidationError):
        monitoring_mapping_create(
            actor=other_admin, hospital=other_hospital, source="zabbix", value="x", system=wired["system"]
        )


def test_only_the_hospitals_admin_manages_its_tokens(wired, other_hospital):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        monitoring_token_revoke(actor=member(other_hospital, Role.HOSPITAL_ADMIN), token=wired["token"])
    assert MonitoringToken.objects.get().revoked_at is None


@pytest.mark.parametrize(
    ("url", "body", "word"),
    [
        (ZABBIX, "not json", "JSON"),
        (ZABBIX, json.dumps({"host": "x"}), "event_id"),
        (ZABBIX, json.dumps({**zabbix(), "status": "MAYBE"}), "MAYBE"),
        (ALERTMANAGER, json.dumps({"version": "4"}), "alerts"),
        (ALERTMANAGER, json.dumps({**alertmanager(), "version": "3"}), "版本"),
    ],
)
def test_a_malformed_body_gets_a_clear_400(wired, url, body, word):
    r = wired["client"].post(url, data=body, content_type="application/json")
    assert r.status_code == 400
    assert word in json.dumps(r.json()["detail"], ensure_ascii=False)


def test_a_zabbix_acknowledgement_is_ignored(wired):
    r = post(wired["client"], ZABBIX, zabbix("UPDATE"))
    assert r.status_code == 200 and r.json()["received"] == []
    assert not Ticket.objects.exists()


def test_the_admin_creates_a_token_shown_once_maps_a_host_and_sees_a_kept_alert(
    hospital, covered, client_for
):
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    system = covered()
    c = client_for(admin)
    assert "监控接入" in c.get("/").content.decode()
    r = c.post("/monitoring/tokens/new/", {"name": "Zabbix 服务器", "hospital": hospital.pk})
    assert r.status_code == 200
    page = r.content.decode()
    token = MonitoringToken.objects.get()
    raw = page.split('id="raw-token" type="text" readonly value="')[1].split('"')[0]
    assert raw.startswith("wbm_") and MonitoringToken.hash(raw) == token.key_hash
    assert raw not in c.get("/monitoring/").content.decode()  # shown once

    sender = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert post(sender, ZABBIX, zabbix()).status_code == 202
    page = c.get("/monitoring/").content.decode()
    assert "未映射到维保系统" in page and "PACS 归档磁盘使用率超过 90%" in page

    r = c.post("/monitoring/mappings/new/", {"source": "zabbix", "value": "pacs-db01", "system": system.pk})
    assert r.status_code == 302
    assert post(sender, ZABBIX, zabbix()).status_code == 200  # the kept alert now opens its ticket
    ticket = Ticket.objects.get()
    assert ticket.number in c.get("/monitoring/").content.decode()

    c.post(f"/monitoring/tokens/{token.pk}/revoke/")
    assert post(sender, ZABBIX, zabbix()).status_code == 401


def test_the_mapping_form_refuses_another_hospitals_system(hospital, other_hospital, covered, client_for):
    from weibao.contracts.models import MaintainedSystem

    admin = member(hospital, Role.HOSPITAL_ADMIN)
    covered()
    theirs = MaintainedSystem.objects.create(hospital=other_hospital, code="b", name="B 系统", kind="PACS")
    r = client_for(admin).post(
        "/monitoring/mappings/new/", {"source": "zabbix", "value": "h", "system": theirs.pk}
    )
    assert r.status_code == 200 and "errorlist" in r.content.decode()
    assert not MonitoringMapping.objects.exists()


def test_a_department_user_cannot_open_the_page(department_user, client_for):
    assert client_for(department_user).get("/monitoring/").status_code == 403
