"""The template readings of issue #13 ("Why" 4) on tickets: a service window is no deadline, a blank
cell promises nothing, a fault term of a contract with severities needs one, and the hospital sets
it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from weibao.audit.models import AuditEvent
from weibao.servicedesk import services
from weibao.servicedesk.models import Ticket
from weibao.servicedesk.severity import ticket_set_severity

from .conftest import at

pytestmark = pytest.mark.django_db


def report(contract, number: int, when, *, severity: str | None = None, **kw) -> Ticket:
    return services.ticket_create(
        actor=kw.pop("actor", None),
        contract=contract,
        term=contract.terms.get(number=number),
        title="问题",
        severity=contract.severities.get(code=severity) if severity else None,
        created_at=when,
        **kw,
    )


@pytest.mark.parametrize("number", [11, 12])
def test_a_saturday_night_hotline_ticket_on_seed_000_is_not_due_an_hour_later(seed, number):
    ticket = report(seed("pacs-huizhou"), number, at("2026-03-07 22:00"))  # a Saturday
    kinds = {c.kind: c for c in ticket.clocks.all()}
    assert "response" not in kinds  # the seed's cell is blank: no response promised
    assert all(c.due_at != at("2026-03-07 23:00") for c in kinds.values())
    assert not Ticket.objects.get(pk=ticket.pk).sla_breached


@pytest.mark.parametrize("number", [9, 10])
def test_seed_000s_other_blank_cells_promise_nothing(seed, number):
    assert not report(seed("pacs-huizhou"), number, at("2026-03-02 10:00")).clocks.exists()


@pytest.mark.parametrize("number", [11, 12])
def test_a_web_ticket_inside_the_statutory_workday_window_is_not_breached_at_creation(
    seed, number, people, client_for
):
    now = timezone.now().replace(microsecond=0)
    ticket = report(seed("pacs-guangxi"), number, now, actor=people["doctor"])
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert not ticket.sla_breached and not ticket.clocks.filter(status="breached").exists()
    assert not ticket.clocks.filter(kind="response").exists()
    page = client_for(people["doctor"]).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "服务时间：法定工作日" in page


@pytest.mark.parametrize(
    ("number", "window"), [(3, "7*8小时的常规电话支持服务"), (4, "7*24小时紧急电话支持服务")]
)
def test_seed_004s_phone_lines_are_windows_not_deadlines(seed, number, window):
    contract = seed("regional-zhenhai")
    term = contract.terms.get(number=number)
    assert term.response is None and term.extra["service_window"]["text"] == window


@pytest.mark.parametrize("number", [1, 4, 5])
def test_a_seed_004_fault_ticket_without_a_severity_is_refused(seed, people, number):
    with pytest.raises(ValidationError) as info:
        report(seed("regional-zhenhai"), number, at("2026-03-02 10:00"), actor=people["doctor"])
    assert "请选择故障等级（一级故障、二级故障）" in info.value.message_dict["severity"][0]


def test_a_seed_004_fault_ticket_with_a_severity_gets_that_severitys_clocks(seed):
    ticket = report(seed("regional-zhenhai"), 5, at("2026-03-02 10:00"), severity="level1")
    clocks = {c.kind: c for c in ticket.clocks.all()}
    assert {k: c.target["within"] for k, c in clocks.items()} == {
        "response": "2h",
        "onsite": "2h",
        "resolution": "24h",
    }
    assert clocks["response"].due_at == at("2026-03-02 12:00")
    # A seed-004 hotline question has no level and needs none.
    assert not report(seed("regional-zhenhai"), 3, at("2026-03-02 10:00")).clocks.exists()


def test_the_hospital_changes_the_severity_and_the_clocks_follow(seed, people, client_for):
    contract = seed("regional-zhenhai")
    ticket = report(contract, 5, timezone.now() - timedelta(minutes=5), severity="level2")
    assert {c.kind for c in ticket.clocks.all()} == {"response"}
    with pytest.raises(PermissionDenied):
        ticket_set_severity(
            actor=people["engineer"], ticket=ticket, severity=contract.severities.get(code="level1")
        )
    admin = client_for(people["admin"])
    page = admin.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'id="severity-form"' in page
    assert (
        'id="severity-form"'
        not in client_for(people["engineer"]).get(f"/tickets/{ticket.pk}/").content.decode()
    )
    admin.post(
        f"/tickets/{ticket.pk}/severity/",
        {
            "severity": contract.severities.get(code="level1").pk,
            "reason": "放射科无法出报告",
            "version": Ticket.objects.get(pk=ticket.pk).version,
        },
    )
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.severity.code == "level1"
    assert {c.kind for c in ticket.clocks.all()} == {"response", "onsite", "resolution"}
    change = ticket.events.get(kind="change")
    assert (
        change.data == {"severity": {"from": "二级故障", "to": "一级故障"}}
        and change.body == "放射科无法出报告"
    )
    assert AuditEvent.objects.filter(action="ticket.severity", object_id=str(ticket.pk)).exists()
    # The vendor cannot lower it through the general edit either.
    with pytest.raises(PermissionDenied):
        services.ticket_update(
            actor=people["engineer"], ticket=ticket, severity=contract.severities.get(code="level2")
        )


def test_the_api_sets_the_severity_for_the_hospital_only(seed, people, client_for):
    contract = seed("regional-zhenhai")
    ticket = report(contract, 5, at("2026-03-02 10:00"), severity="level2")
    level1 = contract.severities.get(code="level1").pk
    url = f"/api/v1/tickets/{ticket.pk}/severity"
    refused = client_for(people["engineer"]).post(
        url, {"severity_id": level1}, content_type="application/json"
    )
    assert refused.status_code == 403
    done = client_for(people["admin"]).post(url, {"severity_id": level1}, content_type="application/json")
    assert done.status_code == 200 and done.json()["severity_id"] == level1
    other = seed("drg-wuhan").severities.first().pk
    wrong = client_for(people["admin"]).post(url, {"severity_id": other}, content_type="application/json")
    assert wrong.status_code == 400


def test_contracts_made_from_the_old_templates_read_the_same_way(seed):
    from importlib import import_module

    migration = import_module("weibao.contracts.migrations.0002_service_windows_and_fault_terms")
    guangxi, huizhou, zhenhai = seed("pacs-guangxi"), seed("pacs-huizhou"), seed("regional-zhenhai")
    # As the old templates stored them.
    old = {
        (guangxi, 11): {"immediate": True, "calendar": "5x8"},
        (huizhou, 11): {"within": "1h", "calendar": "7x24"},
        (huizhou, 9): {"workday_appointment": True, "calendar": "5x8"},
        (zhenhai, 3): {"immediate": True, "calendar": "7x8"},
    }
    for (contract, number), response in old.items():
        contract.terms.filter(number=number).update(response=response, extra={})
    zhenhai.terms.filter(number=5).update(extra={})
    edited = guangxi.terms.get(number=12)
    edited.response = {"within": "30m", "calendar": "5x8"}  # edited by the hospital since: kept
    edited.save()
    migration.forwards(apps, None)
    assert guangxi.terms.get(number=11).response is None
    assert guangxi.terms.get(number=11).extra["service_window"]["text"] == "法定工作日"
    assert guangxi.terms.get(number=12).response == {"within": "30m", "calendar": "5x8"}
    assert huizhou.terms.get(number=11).response is None and huizhou.terms.get(number=9).response is None
    assert zhenhai.terms.get(number=3).response is None and zhenhai.terms.get(number=5).extra["by_severity"]
