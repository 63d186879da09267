"""The plan pages and the API: month by month, with due, done and overdue, under the visibility rule."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from weibao.accounts.choices import Role
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.inspections.choices import InspectionState
from weibao.inspections.models import Inspection
from weibao.testing.factories import VendorFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(hospital, vendor, other_hospital):
    today = timezone.localdate()
    # Started a year and a half ago: part of the plan is in the past.
    start = date(today.year - 1, 1, 1)
    contract = contract_create_from_template(
        actor=None,
        template=get_template("regional-zhenhai"),
        hospital=hospital,
        vendor=vendor,
        start=start,
        end=date(today.year + 1, 12, 31),
        amount=Decimal("100000"),
        code="ZH-PLAN",
    )
    first, second = Inspection.objects.filter(contract=contract).order_by("due")[:2]
    Inspection.objects.filter(pk=first.pk).update(state=InspectionState.DONE, done_at=timezone.now())
    other = contract_create_from_template(
        actor=None,
        template=get_template("his-3y"),
        hospital=other_hospital,
        vendor=VendorFactory(),
        start=start,
        amount=Decimal("100000"),
        code="OTHER-HIS",
    )
    return {"contract": contract, "done": first, "overdue": second, "other": other}


@pytest.mark.parametrize("role", [Role.HOSPITAL_ADMIN, "vendor_engineer"])
def test_the_plan_pages_show_due_done_and_overdue(client_for, hospital, vendor, plan, role):
    user = member(hospital, role) if role == Role.HOSPITAL_ADMIN else member(vendor, Role.VENDOR_ENGINEER)
    client = client_for(user)
    page = client.get(reverse("inspections:inspection_list")).content.decode()
    assert "ZH-PLAN" in page and "OTHER-HIS" not in page
    assert (
        'data-status="done"' in page and 'data-status="overdue"' in page and 'data-status="planned"' in page
    )
    assert "已完成" in page and "逾期" in page and "待巡检" in page
    assert plan["overdue"].due.strftime("%Y-%m-%d") in page
    assert f'data-month="{plan["done"].due:%Y-%m}"' in page

    contract_page = client.get(
        reverse("contracts:contract_detail", args=[plan["contract"].pk])
    ).content.decode()
    assert f'href="{reverse("inspections:contract_plan", args=[plan["contract"].pk])}"' in contract_page
    detail = client.get(reverse("inspections:contract_plan", args=[plan["contract"].pk])).content.decode()
    assert "ZH-PLAN 巡检计划" in detail and "常规巡检" in detail
    overdue_only = client.get(reverse("inspections:inspection_list") + "?status=overdue").content.decode()
    assert 'data-status="overdue"' in overdue_only and 'data-status="done"' not in overdue_only


def test_another_hospitals_plan_is_404(client_for, hospital, plan):
    client = client_for(member(hospital, Role.HOSPITAL_ADMIN))
    assert client.get(reverse("inspections:contract_plan", args=[plan["other"].pk])).status_code == 404


def test_api_lists_in_cursor_pages_with_status(client_for, hospital, plan):
    client = client_for(member(hospital, Role.HOSPITAL_ADMIN))
    first = client.get("/api/v1/inspections?limit=2").json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    assert {i["contract_code"] for i in first["items"]} == {"ZH-PLAN"}
    assert [i["status"] for i in first["items"]] == ["done", "overdue"]
    rest = client.get(f"/api/v1/inspections?limit=200&cursor={first['next_cursor']}").json()
    total = Inspection.objects.filter(contract=plan["contract"]).count()
    assert len(rest["items"]) == total - 2 and rest["next_cursor"] is None
    one = client.get(f"/api/v1/inspections/{plan['overdue'].pk}").json()
    assert (one["status"], one["status_label"], one["obligation"]) == ("overdue", "逾期", "four-a-year")
    assert (
        client.get(
            f"/api/v1/inspections/{Inspection.objects.filter(contract=plan['other']).first().pk}"
        ).status_code
        == 404
    )
    filtered = client.get("/api/v1/inspections?state=done").json()
    assert [i["id"] for i in filtered["items"]] == [plan["done"].pk]


def test_the_api_refuses_a_date_that_is_not_written_as_a_date(client_for, hospital_admin):
    client = client_for(hospital_admin)
    for bad in ("0", "1767225600", "2026-13-01"):
        answer = client.get("/api/v1/inspections", {"due_to": bad})
        assert answer.status_code in (400, 422), bad
    assert client.get("/api/v1/inspections", {"due_to": "2026-12-31"}).status_code == 200
