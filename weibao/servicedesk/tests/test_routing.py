"""Reports reach the right contract (issue #13 item 2): the contract in force that covers the
system; a contract not in force takes no ticket; several candidates are offered in plain names."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from weibao.accounts.choices import Role
from weibao.contracts.models import Contract, ContractStatus, MaintainedSystem
from weibao.contracts.models.contract import status_on
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.servicedesk import routing, services
from weibao.servicedesk.models import Ticket
from weibao.testing.factories import DepartmentFactory, VendorFactory, member

from .conftest import at

pytestmark = pytest.mark.django_db

D = date.fromisoformat

#: (stored, start, end, day) → the status that day.
STATUS_TABLE = [
    ("active", "2027-01-01", "2027-12-31", "2026-12-03", ContractStatus.PENDING),
    ("active", "2027-01-01", "2027-12-31", "2027-01-01", ContractStatus.ACTIVE),
    ("active", "2026-01-01", "2026-12-31", "2026-12-31", ContractStatus.ACTIVE),
    ("active", "2026-01-01", "2026-12-31", "2027-01-01", ContractStatus.EXPIRED),
    ("draft", "2026-01-01", "2026-12-31", "2026-06-01", ContractStatus.DRAFT),
    ("terminated", "2026-01-01", "2026-12-31", "2026-06-01", ContractStatus.TERMINATED),
    ("expired", "2026-01-01", "2026-12-31", "2026-06-01", ContractStatus.EXPIRED),
]


@pytest.mark.parametrize(("stored", "start", "end", "day", "expected"), STATUS_TABLE)
def test_status_follows_the_dates(stored, start, end, day, expected):
    assert status_on(stored, D(start), D(end), D(day)) == expected


def _contract(template: str, hospital, vendor, start: date, code: str) -> Contract:
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
def two_vendors(hospital):
    """The issue's case: PACS (in force in 2026) and another vendor's DRG contract starting 2027."""
    pacs_vendor, drg_vendor = VendorFactory(name="影像厂商"), VendorFactory(name="病案厂商")
    pacs = _contract("pacs-huizhou", hospital, pacs_vendor, date(2026, 1, 1), "PACS-2026")
    drg = _contract("drg-wuhan", hospital, drg_vendor, date(2027, 1, 1), "DRG-2027")
    radiology = DepartmentFactory(hospital=hospital, name="放射科")
    return {
        "pacs": pacs,
        "drg": drg,
        "pacs_system": MaintainedSystem.objects.get(contract=pacs),
        "drg_system": MaintainedSystem.objects.get(contract=drg),
        "radiology": radiology,
        "doctor": member(hospital, Role.DEPARTMENT_USER, department=radiology),
        "admin": member(hospital, Role.HOSPITAL_ADMIN),
        "pacs_manager": member(pacs_vendor, Role.VENDOR_MANAGER),
        "drg_manager": member(drg_vendor, Role.VENDOR_MANAGER),
    }


def test_the_in_force_queryset_and_the_statuses_at_a_day(two_vendors):
    day = at("2026-06-01 10:00")
    assert list(Contract.objects.in_force(day)) == [two_vendors["pacs"]]
    assert list(Contract.objects.with_status("pending", day)) == [two_vendors["drg"]]
    # Midnight in Beijing is still the previous day in UTC: the hospital's day counts.
    first = at("2027-01-01 00:30")
    assert two_vendors["drg"].in_force_at(first) and two_vendors["drg"].status_on(first) == "active"


def test_a_2027_contract_takes_no_ticket_in_2026(two_vendors):
    drg = two_vendors["drg"]
    with pytest.raises(ValidationError) as refused:
        services.ticket_create(
            actor=two_vendors["doctor"],
            contract=drg,
            term=drg.terms.first(),
            title="DRG 分组器报错",
            created_at=at("2026-06-01 10:00"),
        )
    assert "未生效" in refused.value.message_dict["contract"][0]
    assert not Ticket.objects.exists()


def test_a_ticket_about_another_contracts_system_is_refused(two_vendors):
    pacs, drg = two_vendors["pacs"], two_vendors["drg"]
    with pytest.raises(ValidationError) as refused:
        services.ticket_create(
            actor=two_vendors["doctor"],
            contract=pacs,
            term=pacs.terms.first(),
            system=two_vendors["drg_system"],
            title="DRG 分组器报错",
        )
    assert "不在该合同的维保范围内" in refused.value.message_dict["system"][0]
    assert drg.pk  # the DRG contract exists but is not the PACS one


def test_the_radiology_pacs_fault_reaches_the_pacs_contract_by_qr(client_for, two_vendors):
    """The issue's bug: a PACS fault reported from radiology went to the DRG contract of 2027."""
    client = client_for(two_vendors["doctor"])
    system = two_vendors["pacs_system"]
    module = system.modules.first()
    url = (
        reverse("servicedesk:mobile_report") + f"?d={two_vendors['radiology'].pk}&s={system.pk}&m={module.pk}"
    )
    page = client.get(url)
    assert page.status_code == 200 and "影像厂商" in page.content.decode()
    answer = client.post(
        url, {"title": "3号工作站无法调阅影像", "d": two_vendors["radiology"].pk, "s": system.pk}
    )
    assert answer.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.contract == two_vendors["pacs"] and ticket.system == system and ticket.module == module
    assert ticket.department == two_vendors["radiology"]


def test_a_department_qr_code_with_one_contract_in_force_goes_there(client_for, two_vendors):
    client = client_for(two_vendors["doctor"])
    url = reverse("servicedesk:mobile_report") + f"?d={two_vendors['radiology'].pk}"
    page = client.get(url).content.decode()
    assert 'name="route"' not in page  # nothing to ask: DRG is not in force yet
    client.post(url, {"title": "影像打不开", "d": two_vendors["radiology"].pk})
    assert Ticket.objects.get().contract == two_vendors["pacs"]


def test_a_qr_code_for_a_system_no_contract_in_force_covers_says_so(client_for, two_vendors):
    client = client_for(two_vendors["doctor"])
    url = reverse("servicedesk:mobile_report") + f"?s={two_vendors['drg_system'].pk}"
    page = client.get(url).content.decode()
    assert "DRG智能化综合管理系统”目前没有在服务期内的维保合同" in page
    assert "信息科" in page and 'id="mobile-report"' not in page
    client.post(url, {"title": "分组器报错"})
    assert not Ticket.objects.exists()


def test_two_candidates_ask_the_reporter_in_plain_names(client_for, hospital, two_vendors):
    his_vendor = VendorFactory(name="HIS厂商")
    his = _contract("his-3y", hospital, his_vendor, date(2025, 8, 1), "HIS-2025")
    client = client_for(two_vendors["doctor"])
    url = reverse("servicedesk:mobile_report") + f"?d={two_vendors['radiology'].pk}"
    page = client.get(url).content.decode()
    assert 'name="route"' in page
    assert "医院影像管理系统（PACS） · 影像厂商" in page
    his_system = MaintainedSystem.objects.filter(contract=his).first()
    assert f"{his_system.name} · HIS厂商" in page
    assert "PACS-2026" not in page and "HIS-2025" not in page  # never a contract code
    # Not choosing is refused on the form, without a ticket.
    missing = client.post(url, {"title": "打不开", "d": two_vendors["radiology"].pk})
    assert missing.status_code == 200 and "请选择出问题的系统" in missing.content.decode()
    assert not Ticket.objects.exists()
    route = f"{his.pk}-{his_system.pk}"
    client.post(url, {"title": "打不开", "d": two_vendors["radiology"].pk, "route": route})
    ticket = Ticket.objects.get()
    assert ticket.contract == his and ticket.system == his_system
    # A forged route (another contract of the hospital not in force) is not one of the choices.
    forged = client.post(
        url, {"title": "又打不开", "d": two_vendors["radiology"].pk, "route": f"{two_vendors['drg'].pk}-0"}
    )
    assert forged.status_code == 200 and Ticket.objects.count() == 1


def _api(client, path, data):
    return client.post(path, json.dumps(data), content_type="application/json")


def test_the_api_routes_by_system_and_refuses_a_contract_not_in_force(client_for, hospital, two_vendors):
    client = client_for(two_vendors["doctor"])
    made = _api(
        client, "/api/v1/tickets", {"system_id": two_vendors["pacs_system"].pk, "title": "影像打不开"}
    )
    assert made.status_code == 201, made.content
    assert made.json()["contract_id"] == two_vendors["pacs"].pk
    drg = two_vendors["drg"]
    refused = _api(
        client, "/api/v1/tickets", {"contract_id": drg.pk, "term_id": drg.terms.first().pk, "title": "x"}
    )
    assert refused.status_code == 400 and "未生效" in json.dumps(refused.json(), ensure_ascii=False)
    none = _api(client, "/api/v1/tickets", {"system_id": two_vendors["drg_system"].pk, "title": "x"})
    assert none.status_code == 400 and "信息科" in none.json()["detail"]
    _contract("his-3y", hospital, VendorFactory(name="HIS厂商"), date(2025, 8, 1), "HIS-2025")
    ambiguous = _api(client, "/api/v1/tickets", {"title": "打不开"})
    assert ambiguous.status_code == 409 and ambiguous.json()["code"] == "contract_ambiguous"
    labels = {c["label"] for c in ambiguous.json()["choices"]}
    assert "医院影像管理系统（PACS） · 影像厂商" in labels
    assert Ticket.objects.count() == 1


def test_the_staff_form_offers_contracts_in_force_by_vendor_and_system(client_for, two_vendors):
    page = client_for(two_vendors["admin"]).get(reverse("servicedesk:ticket_new")).content.decode()
    assert "影像厂商 · 医院影像管理系统（PACS）" in page
    assert "病案厂商" not in page  # the 2027 contract is not offered in 2026


def test_the_staff_form_says_plainly_when_no_contract_is_in_force(client_for, hospital):
    _contract("drg-wuhan", hospital, VendorFactory(), date(2027, 1, 1), "DRG-2027")
    page = client_for(member(hospital, Role.HOSPITAL_ADMIN)).get(reverse("servicedesk:ticket_new"))
    assert "目前没有在服务期内的维保合同可以受理报修" in page.content.decode()


def test_routes_pick_a_renewal_of_the_covering_contract(hospital):
    vendor = VendorFactory()
    old = _contract("drg-wuhan", hospital, vendor, date(2025, 1, 1), "DRG-2025")
    renewal = Contract.objects.create(
        code="DRG-2026",
        title="DRG 续签",
        hospital=hospital,
        vendor=vendor,
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
        amount=Decimal("1"),
        renewal_of=old,
    )
    system = MaintainedSystem.objects.get(contract=old)
    found = routing.routes([hospital.pk], system=system, at=timezone.now().replace(year=2026, month=6))
    assert [r.contract for r in found] == [renewal]
    assert routing.covers(renewal, system)
