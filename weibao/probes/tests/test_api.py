"""The probes' API: list, detail and results, under the visibility rule."""

from __future__ import annotations

import pytest

from weibao.accounts.choices import Role
from weibao.probes import runtime
from weibao.testing.factories import DepartmentFactory, member

from .conftest import free_port
from .factories import make_probe

pytestmark = pytest.mark.django_db


def test_list_detail_and_results(client_for, covered, storescp, other_hospital):
    system = covered()
    ok = make_probe(system, kind="tcp", port=storescp, name="PACS 端口")
    down = make_probe(system, kind="tcp", port=free_port(), name="HIS 端口")
    runtime.run_due()
    engineer = member(system.contract.vendor, Role.VENDOR_ENGINEER)
    api = client_for(engineer)
    page = api.get("/api/v1/probes").json()
    assert {p["name"] for p in page["items"]} == {"PACS 端口", "HIS 端口"} and page["next_cursor"] is None
    crit = api.get("/api/v1/probes?state=2").json()["items"]
    assert [p["id"] for p in crit] == [down.pk] and crit[0]["state_label"] == "严重"
    assert api.get(f"/api/v1/probes?contract={system.contract_id}").json()["items"]
    detail = api.get(f"/api/v1/probes/{ok.pk}").json()
    assert (
        detail["state"] == 0
        and detail["system_code"] == system.code
        and detail["contract_id"] == system.contract_id
    )
    results = api.get(f"/api/v1/probes/{down.pk}/results").json()
    assert len(results["items"]) == 1 and results["items"][0]["state"] == 2
    assert "connection refused" in results["items"][0]["message"]
    # another hospital's admin, a department user: nothing
    stranger = client_for(member(other_hospital, Role.HOSPITAL_ADMIN))
    assert stranger.get("/api/v1/probes").json()["items"] == []
    assert stranger.get(f"/api/v1/probes/{ok.pk}").status_code == 404
    assert stranger.get(f"/api/v1/probes/{ok.pk}/results").status_code == 404
    dept = client_for(
        member(system.hospital, Role.DEPARTMENT_USER, department=DepartmentFactory(hospital=system.hospital))
    )
    assert dept.get("/api/v1/probes").json()["items"] == []
    assert dept.get(f"/api/v1/probes/{ok.pk}").status_code == 404
    bad = api.get("/api/v1/probes?state=9")
    assert bad.status_code == 422
