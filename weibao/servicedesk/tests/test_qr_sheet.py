"""The QR sheet: codes carry department + system [+ module], paged, and linked from pages."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from weibao.accounts.choices import Role
from weibao.contracts.models import MaintainedSystem
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.servicedesk.views.report import QR_PER_PAGE
from weibao.testing.factories import DepartmentFactory, VendorFactory, member

pytestmark = pytest.mark.django_db


def _contract(template, hospital, start, code):
    return contract_create_from_template(
        actor=None,
        template=get_template(template),
        hospital=hospital,
        vendor=VendorFactory(),
        start=start,
        amount=Decimal("1000"),
        code=code,
    )


def _urls(page: str) -> list[dict[str, list[str]]]:
    return [
        parse_qs(urlparse(u.replace("&amp;", "&")).query) for u in re.findall(r'data-url="([^"]+)"', page)
    ]


def test_a_departments_sheet_has_a_code_per_system_and_module_of_contracts_in_force(client_for, hospital):
    pacs = _contract("pacs-huizhou", hospital, date(2026, 1, 1), "PACS-2026")
    _contract("drg-wuhan", hospital, date(2027, 1, 1), "DRG-2027")  # not in force: no code yet
    radiology = DepartmentFactory(hospital=hospital, name="放射科")
    system = MaintainedSystem.objects.get(contract=pacs)
    modules = list(system.modules.all())
    client = client_for(member(hospital, Role.HOSPITAL_ADMIN))
    sheet = client.get(reverse("servicedesk:qr_sheet") + f"?department={radiology.pk}").content.decode()
    urls = _urls(sheet)
    expected = 1 + 1 + len(modules)
    assert f"共 {expected} 张" in sheet
    assert urls[0] == {"d": [str(radiology.pk)]}
    assert {"d": [str(radiology.pk)], "s": [str(system.pk)]} in urls
    module_codes = [u for u in urls if "m" in u]
    assert {u["m"][0] for u in module_codes} == {str(m.pk) for m in modules[: QR_PER_PAGE - 2]}
    assert all(u["d"] == [str(radiology.pk)] and u["s"] == [str(system.pk)] for u in module_codes)
    assert "DRG智能化综合管理系统" not in sheet


def test_the_sheet_pages_instead_of_cutting(client_for, hospital):
    for n in range(QR_PER_PAGE + 6):
        DepartmentFactory(hospital=hospital, name=f"科室{n:02d}")
    client = client_for(member(hospital, Role.HOSPITAL_ADMIN))
    first = client.get(reverse("servicedesk:qr_sheet")).content.decode()
    second = client.get(reverse("servicedesk:qr_sheet") + "?page=2").content.decode()
    assert len(_urls(first)) == QR_PER_PAGE and len(_urls(second)) == 6
    assert "第 1 / 2 页" in first and "下一页" in first


def test_the_sheet_and_the_ledger_import_are_linked_for_admins(client_for, hospital):
    contract = _contract("pacs-huizhou", hospital, date(2026, 1, 1), "PACS-2026")
    admin = client_for(member(hospital, Role.HOSPITAL_ADMIN))
    detail = admin.get(reverse("contracts:contract_detail", args=[contract.pk])).content.decode()
    assert reverse("servicedesk:qr_sheet") in detail
    assert f"{reverse('servicedesk:ticket_import')}?contract={contract.pk}" in detail
    assert reverse("servicedesk:qr_sheet") in admin.get(reverse("contracts:system_list")).content.decode()
    doctor = client_for(
        member(hospital, Role.DEPARTMENT_USER, department=DepartmentFactory(hospital=hospital))
    )
    assert (
        reverse("servicedesk:qr_sheet") not in doctor.get(reverse("contracts:system_list")).content.decode()
    )
    imported = admin.get(f"{reverse('servicedesk:ticket_import')}?contract={contract.pk}").content.decode()
    assert f'<option value="{contract.pk}" selected>' in imported
