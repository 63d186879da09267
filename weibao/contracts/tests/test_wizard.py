"""The contract wizard: title and code editable, prefilled for the chosen hospital (issue #13
item 7); a contract created for 2027 is 未生效 and takes no ticket."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from weibao.accounts.choices import Role
from weibao.contracts import services
from weibao.contracts.models import Contract
from weibao.contracts.template_loader import get_template
from weibao.testing.factories import HospitalFactory, VendorFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def huizhou(db):
    return HospitalFactory(name="惠州市第三人民医院", short_code="HZ3")


def _value(html: str, field: str) -> str:
    found = re.search(rf'<input[^>]*name="{field}"[^>]*>', html)
    assert found, f"no {field} input"
    value = re.search(r'value="([^"]*)"', found.group(0))
    return value.group(1) if value else ""


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("drg-wuhan", "惠州市第三人民医院 DRG智能化综合管理系统售后维保（一年）"),
        ("his-3y", "惠州市第三人民医院HIS项目维保服务（3年）"),
        ("regional-zhenhai", "惠州市第三人民医院 镇海区智慧健康保障工程2025年运维（软件运维）"),
    ],
)
def test_the_default_title_names_the_chosen_hospital(huizhou, template, expected):
    title = services.default_title(get_template(template), huizhou)
    assert title == expected and "武汉市中心医院" not in title


def test_the_wizard_prefills_title_and_code_for_the_hospital(client_for, huizhou):
    client = client_for(member(huizhou, Role.HOSPITAL_ADMIN))
    page = client.get("/contracts/new/?template=drg-wuhan").content.decode()
    assert _value(page, "title").startswith("惠州市第三人民医院 DRG")
    assert _value(page, "code").startswith("HZ3-drg-wuhan-")
    # Changing the start month proposes a new code; a title the user typed is kept.
    preview = client.get(
        "/contracts/new/preview/",
        {
            "template": "drg-wuhan",
            "hospital": huizhou.pk,
            "start": "2027-01-01",
            "title": "惠州三院 DRG 维保 2027",
            "code": _value(page, "code"),
            "suggested_title": _value(page, "title"),
            "suggested_code": _value(page, "code"),
        },
    ).content.decode()
    assert 'id="id_code"' in preview and "HZ3-drg-wuhan-202701" in preview
    assert 'id="id_title"' not in preview  # typed by the user: not replaced
    assert 'class="table-wrap"' in preview  # the table scrolls inside its card if it must


def test_the_wizard_creates_with_the_edited_title_and_code_and_a_2027_contract_is_pending(
    client_for, huizhou
):
    vendor = VendorFactory()
    client = client_for(member(huizhou, Role.HOSPITAL_ADMIN))
    answer = client.post(
        "/contracts/new/",
        {
            "template": "drg-wuhan",
            "hospital": huizhou.pk,
            "vendor": vendor.pk,
            "title": "惠州三院 DRG 维保 2027",
            "code": "HZ3-DRG-2027",
            "start": "2027-01-01",
            "amount": "44000",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:1500]
    contract = Contract.objects.get(code="HZ3-DRG-2027")
    assert contract.title == "惠州三院 DRG 维保 2027" and contract.current_status == "pending"
    page = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert "未生效" in page
    from weibao.servicedesk import services as desk

    with pytest.raises(ValidationError):
        desk.ticket_create(actor=None, contract=contract, term=contract.terms.first(), title="2026 年的报修")


def test_a_contract_from_the_api_takes_the_hospitals_name_too(huizhou):
    contract = services.contract_create_from_template(
        actor=None,
        template=get_template("drg-wuhan"),
        hospital=huizhou,
        vendor=VendorFactory(),
        start=date(2026, 1, 1),
        amount=Decimal("1"),
    )
    assert contract.title.startswith("惠州市第三人民医院") and "武汉" not in contract.title
