"""The probe pages, the services behind them, and /metrics."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from weibao.accounts.choices import Role
from weibao.probes import probing, runtime
from weibao.probes.models import Probe, ProbeResult
from weibao.probes.services import monitoring_token_create, monitoring_token_revoke
from weibao.testing.factories import AuditorOrgFactory, DepartmentFactory, member

from .conftest import free_port
from .factories import make_probe

pytestmark = pytest.mark.django_db


@pytest.fixture
def system(covered):
    return covered()


@pytest.fixture
def people(system):
    contract = system.contract
    return {
        "admin": member(system.hospital, Role.HOSPITAL_ADMIN),
        "engineer": member(contract.vendor, Role.VENDOR_ENGINEER),
        "manager": member(contract.vendor, Role.VENDOR_MANAGER),
        "department": member(
            system.hospital, Role.DEPARTMENT_USER, department=DepartmentFactory(hospital=system.hospital)
        ),
    }


def _endpoint(system, port=104):
    from weibao.contracts.models import Endpoint

    return Endpoint.objects.create(
        system=system, name="PACS 服务", kind="dicom", host="127.0.0.1", port=port, ae_title="PACS01"
    )


def test_the_vendors_engineer_adds_a_probe_and_a_department_user_may_not(system, people):
    endpoint = _endpoint(system)
    probe = probing.probe_create(
        actor=people["engineer"], endpoint=endpoint, name="PACS 回显", kind="dicom-echo"
    )
    assert probe.next_run_at is not None and probe.enabled and probe.failures_to_alert == 3
    with pytest.raises(PermissionDenied):
        probing.probe_create(actor=people["department"], endpoint=endpoint, name="x", kind="tcp")
    with pytest.raises(PermissionDenied):
        probing.probe_delete(actor=people["department"], probe=probe)
    assert not Probe.objects.visible_to(people["department"]).exists()
    from weibao.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="probe.create").count() == 1


def test_bad_settings_are_refused_field_by_field(system, people):
    endpoint = _endpoint(system)
    with pytest.raises(ValidationError) as err:
        probing.probe_create(
            actor=people["admin"],
            endpoint=endpoint,
            name=" ",
            kind="dicom-echo",
            interval_seconds=10,
            timeout_seconds=5,
            options={"nonsense": 1},
        )
    assert set(err.value.message_dict) == {"name", "interval_seconds"}
    with pytest.raises(ValidationError) as err:
        probing.probe_create(
            actor=people["admin"], endpoint=endpoint, name="x", kind="tcp", options={"nonsense": 1}
        )
    assert "nonsense" in err.value.message_dict["options"][0]
    with pytest.raises(ValidationError) as err:
        probing.probe_create(actor=people["admin"], endpoint=endpoint, name="x", kind="tcp", warn="abc")
    assert "abc" in err.value.message_dict["options"][0]
    with pytest.raises(ValidationError):
        probing.probe_create(
            actor=people["admin"],
            endpoint=endpoint,
            name="x",
            kind="tcp",
            options={"soap_body_file": "/etc/passwd"},
        )
    assert not Probe.objects.exists()


def test_switching_a_probe_on_makes_it_due(system, people):
    probe = probing.probe_create(
        actor=people["manager"], endpoint=_endpoint(system), name="x", kind="tcp", enabled=False
    )
    Probe.objects.filter(pk=probe.pk).update(next_run_at=timezone.now() + timedelta(days=1))
    probe.refresh_from_db()
    probing.probe_update(actor=people["manager"], probe=probe, enabled=True, interval_seconds=120)
    probe.refresh_from_db()
    assert probe.enabled and probe.interval_seconds == 120 and probe.next_run_at <= timezone.now()


def test_list_detail_and_run_now_pages(client_for, system, people, storescp):
    probe = make_probe(system, kind="dicom-echo", port=storescp, name="PACS 回显")
    bad = make_probe(system, kind="tcp", port=free_port(), name="HIS 接口端口")
    runtime.run_due()
    client = client_for(people["engineer"])
    page = client.get("/probes/").content.decode()
    assert "PACS 回显" in page and "HIS 接口端口" in page
    assert re.search(r'data-state="crit".*HIS 接口端口', page, re.S)
    assert "严重" in page and "正常" in page
    only_crit = client.get("/probes/?state=crit").content.decode()
    assert "HIS 接口端口" in only_crit and "PACS 回显" not in only_crit
    contract_page = client.get(f"/probes/contract/{system.contract_id}/").content.decode()
    assert "PACS 回显" in contract_page
    detail = client.get(f"/probes/{probe.pk}/").content.decode()
    assert 'id="probe-chart" data-samples="1"' in detail and "立即检测" in detail
    assert 'class="cell ok"' in detail
    assert client.get(f"/probes/{probe.pk}/?range=30d").status_code == 200
    run = client.post(f"/probes/{bad.pk}/run/", follow=True)
    assert "检测完成" in run.content.decode()
    assert ProbeResult.objects.filter(probe=bad).count() == 2
    # a department user sees no probes
    dept = client_for(people["department"])
    assert "PACS 回显" not in dept.get("/probes/").content.decode()
    assert dept.get(f"/probes/{probe.pk}/").status_code == 404
    assert dept.post(f"/probes/{probe.pk}/run/").status_code == 404


def test_the_add_form_creates_a_probe_and_shows_errors(client_for, system, people):
    endpoint = _endpoint(system)
    client = client_for(people["admin"])
    assert client.get("/probes/new/").status_code == 200
    bad = client.post(
        "/probes/new/",
        {
            "endpoint": endpoint.pk,
            "name": "回显",
            "kind": "dicom-echo",
            "interval_seconds": 60,
            "timeout_seconds": 90,
            "failures_to_alert": 3,
            "options": "[1]",
        },
    )
    body = bad.content.decode()
    assert bad.status_code == 200 and "JSON 对象" in body
    good = client.post(
        "/probes/new/",
        {
            "endpoint": endpoint.pk,
            "name": "回显",
            "kind": "dicom-echo",
            "interval_seconds": 60,
            "timeout_seconds": 5,
            "failures_to_alert": 2,
            "options": '{"calling_aet": "WB"}',
            "enabled": "on",
        },
    )
    probe = Probe.objects.get()
    assert good.status_code == 302 and good["Location"] == f"/probes/{probe.pk}/"
    assert probe.options == {"calling_aet": "WB"} and probe.failures_to_alert == 2
    edit = client.post(
        f"/probes/{probe.pk}/edit/",
        {
            "name": "回显 2",
            "kind": "dicom-echo",
            "interval_seconds": 120,
            "timeout_seconds": 5,
            "failures_to_alert": 2,
            "options": "",
            "enabled": "",
        },
    )
    assert edit.status_code == 302
    probe.refresh_from_db()
    assert probe.name == "回显 2" and not probe.enabled and probe.options == {}
    assert client_for(people["department"]).get("/probes/new/").status_code == 403


def _parse(text: str) -> dict[tuple[str, frozenset], float]:
    """The samples of a Prometheus text exposition, by (name, labels)."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)", line)
        assert m, line
        labels = frozenset(re.findall(r'([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"', m[2]))
        samples[(m[1], labels)] = float(m[3])
    return samples


def test_metrics_in_prometheus_text_for_the_tokens_hospital_only(system, people, storescp, other_hospital):
    ok = make_probe(system, kind="tcp", port=storescp, name='PACS "端口"')
    down = make_probe(system, kind="tcp", port=free_port(), name="HIS")
    from weibao.contracts.models import MaintainedSystem

    other_system = MaintainedSystem.objects.create(hospital=other_hospital, code="b", name="B", kind="HIS")
    make_probe(other_system, kind="tcp", port=storescp, name="B 医院探针")
    runtime.run_due()
    token, raw = monitoring_token_create(actor=people["admin"], hospital=system.hospital, name="prom")
    answer = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/metrics")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/plain; version=0.0.4")
    text = answer.content.decode()
    assert "# TYPE probe_success gauge" in text and "B 医院探针" not in text
    samples = _parse(text)
    key_ok = frozenset(
        {("probe_id", str(ok.pk)), ("probe", 'PACS \\"端口\\"'), ("system", system.code), ("kind", "tcp")}
    )
    key_down = frozenset(
        {("probe_id", str(down.pk)), ("probe", "HIS"), ("system", system.code), ("kind", "tcp")}
    )
    assert samples[("probe_success", key_ok)] == 1.0
    assert samples[("probe_success", key_down)] == 0.0
    assert samples[("probe_state", key_down)] == 2.0
    assert samples[("probe_duration_seconds", key_ok)] >= 0
    assert len([k for k in samples if k[0] == "probe_success"]) == 2
    # wrong, missing, revoked tokens: 401
    assert Client(HTTP_AUTHORIZATION="Bearer wbm_wrong").get("/metrics").status_code == 401
    assert Client().get("/metrics").status_code == 401
    monitoring_token_revoke(actor=people["admin"], token=token)
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/metrics").status_code == 401


def test_auditors_read_probes_of_a_granted_hospital(system, people):
    from weibao.accounts.models import AccessGrant

    make_probe(system, kind="tcp", port=1, name="x")
    auditor = member(AuditorOrgFactory(), Role.AUDITOR)
    assert not Probe.objects.visible_to(auditor).exists()
    AccessGrant.objects.create(user=auditor, hospital=system.hospital, granted_by=people["admin"])
    auditor = type(auditor).objects.get(pk=auditor.pk)
    assert Probe.objects.visible_to(auditor).count() == 1
    with pytest.raises(PermissionDenied):
        probing.probe_create(actor=auditor, endpoint=_endpoint(system), name="x", kind="tcp")
