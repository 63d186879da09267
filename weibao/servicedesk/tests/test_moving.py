"""Moving a ticket to another of the hospital's contracts (issue #13 item 2)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from weibao.accounts.choices import Role
from weibao.audit.models import AuditEvent
from weibao.contracts.models import MaintainedSystem
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.notifications.models import Notification
from weibao.servicedesk import moving, services
from weibao.servicedesk.models import TicketEvent
from weibao.testing.factories import DepartmentFactory, VendorFactory, member

from .conftest import at

pytestmark = pytest.mark.django_db


def _contract(template, hospital, vendor, start, code):
    return contract_create_from_template(
        actor=None,
        template=get_template(template),
        hospital=hospital,
        vendor=vendor,
        start=start,
        amount=Decimal("100000"),
        code=code,
    )


@pytest.fixture
def misrouted(hospital):
    """A PACS fault that went to the DRG contract (both in force in 2026)."""
    pacs_vendor, drg_vendor = VendorFactory(name="影像厂商"), VendorFactory(name="病案厂商")
    pacs = _contract("pacs-huizhou", hospital, pacs_vendor, date(2026, 1, 1), "PACS-2026")
    drg = _contract("drg-wuhan", hospital, drg_vendor, date(2026, 1, 1), "DRG-2026")
    radiology = DepartmentFactory(hospital=hospital, name="放射科")
    people = {
        "admin": member(hospital, Role.HOSPITAL_ADMIN),
        "doctor": member(hospital, Role.DEPARTMENT_USER, department=radiology),
        "pacs_manager": member(pacs_vendor, Role.VENDOR_MANAGER),
        "drg_manager": member(drg_vendor, Role.VENDOR_MANAGER),
        "drg_engineer": member(drg_vendor, Role.VENDOR_ENGINEER),
    }
    ticket = services.ticket_create(
        actor=people["doctor"],
        contract=drg,
        term=drg.terms.get(category="fault"),
        severity=drg.severities.order_by("order").first(),
        title="放射科影像无法调阅",
        created_at=at("2026-03-02 10:00"),
    )
    return {"pacs": pacs, "drg": drg, "ticket": ticket, **people}


def test_a_hospital_admin_moves_a_ticket_clocks_recomputed_and_both_vendors_told(
    misrouted, django_capture_on_commit_callbacks
):
    ticket, pacs = misrouted["ticket"], misrouted["pacs"]
    before = {c.kind: (c.target, c.due_at) for c in ticket.clocks.all()}
    with django_capture_on_commit_callbacks(execute=True):
        moved = moving.ticket_move(
            actor=misrouted["admin"], ticket=ticket, contract=pacs, reason="PACS 故障，应由影像厂商处理"
        )
    assert moved.contract == pacs and moved.term.contract == pacs
    assert moved.term.category == "fault" and moved.category == "fault"
    # The clocks are the PACS contract's, counted from the report time (not from the move).
    expected = moving.snapshot_clocks(
        contract=pacs, term=moved.term, severity=moved.severity, start=moved.created_at
    )
    after = {c.kind: c for c in moved.clocks.all()}
    assert {k: c.target for k, c in after.items()} == {s["kind"]: s["target"] for s in expected}
    assert {k: (c.target, c.due_at) for k, c in after.items()} != before
    assert all(c.started_at == moved.created_at for c in after.values() if c.started_at)
    row = TicketEvent.objects.get(ticket=moved, action="move")
    assert row.actor == misrouted["admin"] and row.body == "PACS 故障，应由影像厂商处理"
    assert "影像厂商" in row.data["contract"]["to"] and "病案厂商" in row.data["contract"]["from"]
    audit = AuditEvent.objects.get(action="ticket.move")
    assert audit.detail["from"] == "DRG-2026" and audit.detail["to"] == "PACS-2026"
    told = {n.recipient for n in Notification.objects.filter(event="ticket.moved")}
    assert {misrouted["pacs_manager"], misrouted["drg_manager"]} <= told


def test_the_severity_maps_by_level(misrouted, hospital):
    zhenhai = _contract("regional-zhenhai", hospital, VendorFactory(), date(2026, 1, 1), "ZH-2026")
    ticket = misrouted["ticket"]
    moved = moving.ticket_move(actor=misrouted["admin"], ticket=ticket, contract=zhenhai, reason="区域平台")
    assert moved.severity == zhenhai.severities.order_by("order").first()


@pytest.mark.parametrize("who", ["drg_manager", "drg_engineer", "doctor"])
def test_only_the_hospitals_admins_move(misrouted, who):
    with pytest.raises(PermissionDenied):
        moving.ticket_move(
            actor=misrouted[who], ticket=misrouted["ticket"], contract=misrouted["pacs"], reason="换厂商"
        )
    misrouted["ticket"].refresh_from_db()
    assert misrouted["ticket"].contract == misrouted["drg"]


def test_no_move_to_another_hospitals_contract(misrouted, other_hospital):
    foreign = _contract("pacs-huizhou", other_hospital, VendorFactory(), date(2026, 1, 1), "PACS-OTHER")
    with pytest.raises(PermissionDenied):
        moving.ticket_move(actor=misrouted["admin"], ticket=misrouted["ticket"], contract=foreign, reason="x")


def test_no_move_to_a_contract_not_in_force_at_the_report_time(misrouted, hospital):
    later = _contract("his-3y", hospital, VendorFactory(), date(2027, 1, 1), "HIS-2027")
    with pytest.raises(ValidationError) as refused:
        moving.ticket_move(actor=misrouted["admin"], ticket=misrouted["ticket"], contract=later, reason="x")
    assert "不在服务期内" in refused.value.message_dict["contract"][0]
    with pytest.raises(ValidationError):
        moving.ticket_move(
            actor=misrouted["admin"], ticket=misrouted["ticket"], contract=misrouted["pacs"], reason=" "
        )


def test_a_system_the_new_contract_does_not_cover_is_cleared(misrouted):
    drg_system = MaintainedSystem.objects.get(contract=misrouted["drg"])
    ticket = misrouted["ticket"]
    ticket.system = drg_system
    ticket.save(update_fields=["system"])
    moved = moving.ticket_move(
        actor=misrouted["admin"], ticket=ticket, contract=misrouted["pacs"], reason="x"
    )
    assert moved.system is None


def test_the_page_offers_the_move_to_admins_only_and_moves(client_for, misrouted):
    ticket = misrouted["ticket"]
    url = reverse("servicedesk:ticket_detail", args=[ticket.pk])
    assert 'id="move-ticket"' in client_for(misrouted["admin"]).get(url).content.decode()
    assert 'id="move-ticket"' not in client_for(misrouted["drg_manager"]).get(url).content.decode()
    vendor_post = client_for(misrouted["drg_manager"]).post(
        reverse("servicedesk:ticket_move", args=[ticket.pk]),
        {"contract": misrouted["pacs"].pk, "reason": "x"},
    )
    assert vendor_post.status_code == 403
    admin = client_for(misrouted["admin"])
    answer = admin.post(
        reverse("servicedesk:ticket_move", args=[ticket.pk]),
        {"contract": misrouted["pacs"].pk, "reason": "影像问题", "version": ticket.version},
    )
    assert answer.status_code == 302
    page = admin.get(url).content.decode()
    assert "影像厂商" in page and "转至其他合同" in page and "影像问题" in page
    assert "合同：" in page and "contract：" not in page


def test_the_api_moves_and_refuses_a_vendor(client_for, misrouted, other_hospital):
    ticket = misrouted["ticket"]
    path = f"/api/v1/tickets/{ticket.pk}/move"
    body = {"contract_id": misrouted["pacs"].pk, "reason": "影像问题"}

    def post(user, data):
        return client_for(user).post(path, json.dumps(data), content_type="application/json")

    assert post(misrouted["drg_manager"], body).status_code == 403
    foreign = _contract("pacs-huizhou", other_hospital, VendorFactory(), date(2026, 1, 1), "PACS-OTHER")
    assert post(misrouted["admin"], {**body, "contract_id": foreign.pk}).status_code == 404
    assert post(misrouted["admin"], {**body, "version": ticket.version + 5}).status_code == 409
    moved = post(misrouted["admin"], body)
    assert moved.status_code == 200 and moved.json()["contract_id"] == misrouted["pacs"].pk
