"""Switch-over plans (切换方案, seed 003): a plan with its checklist and data-sync checks through
the API and the pages, signed off by both sides (each by its own people), frozen afterwards (4xx
on every edit), printed as a DOCX read back with python-docx."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from docx import Document

from weibao.accounts.choices import Role
from weibao.audit.models import AuditEvent
from weibao.contracts.models import MaintainedSystem
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.records import switchover
from weibao.records.models import SwitchoverPlan, SyncCheck
from weibao.testing.factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def his(hospital, vendor):
    contract = contract_create_from_template(
        actor=None,
        template=get_template("his-3y"),
        hospital=hospital,
        vendor=vendor,
        start=date(2026, 1, 1),
        amount=Decimal("2940000"),
        code="HIS-SW",
    )
    return {
        "contract": contract,
        "system": MaintainedSystem.objects.filter(contract=contract).first(),
        "admin": member(hospital, Role.HOSPITAL_ADMIN, first_name="李主任", last_name=""),
        "engineer": member(vendor, Role.VENDOR_ENGINEER, first_name="张伟", last_name=""),
    }


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_plan_through_the_api_checked_signed_by_both_sides_and_frozen(client_for, his):
    contract, system = his["contract"], his["system"]
    today = timezone.localdate()
    engineer, admin = client_for(his["engineer"]), client_for(his["admin"])
    made = engineer.post(
        f"/api/v1/contracts/{contract.pk}/switchover-plans",
        {
            "system_id": system.pk,
            "title": "HIS 新旧系统切换",
            "old_system": "旧 HIS 5.0",
            "new_system": "新 HIS 6.0",
            "parallel_start": (today - timedelta(days=10)).isoformat(),
            "parallel_end": (today + timedelta(days=20)).isoformat(),
            "items": ["历史数据迁移完成", "接口联调通过"],
        },
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    plan = made.json()
    assert [i["title"] for i in plan["items"]] == ["历史数据迁移完成", "接口联调通过"]
    pid = plan["id"]

    # Not yet: items open, no checks.
    early = admin.post(
        f"/api/v1/switchover-plans/{pid}/sign", {"side": "hospital"}, content_type="application/json"
    )
    assert early.status_code == 400 and "还有 2 项检查未完成" in str(early.json()["detail"])

    for item in plan["items"]:
        done = engineer.patch(
            f"/api/v1/switchover-items/{item['id']}",
            {"done": True, "note": "已核对"},
            content_type="application/json",
        )
        assert done.status_code == 200 and done.json()["done_by"] == "张伟"
    mismatch = engineer.post(
        f"/api/v1/switchover-plans/{pid}/checks",
        {
            "checked_on": (today - timedelta(days=2)).isoformat(),
            "subject": "门诊挂号记录",
            "old_count": 1200,
            "new_count": 1198,
        },
        content_type="application/json",
    )
    assert mismatch.status_code == 201 and mismatch.json()["matched"] is False
    lying = engineer.post(
        f"/api/v1/switchover-plans/{pid}/checks",
        {
            "checked_on": today.isoformat(),
            "subject": "住院医嘱",
            "old_count": 5,
            "new_count": 4,
            "matched": True,
        },
        content_type="application/json",
    )
    assert lying.status_code == 400 and "不能标为一致" in str(lying.json()["detail"])
    refused = admin.post(
        f"/api/v1/switchover-plans/{pid}/sign", {"side": "hospital"}, content_type="application/json"
    )
    assert refused.status_code == 400 and "最近一次数据同步核对不一致" in str(refused.json()["detail"])
    matched = engineer.post(
        f"/api/v1/switchover-plans/{pid}/checks",
        {"checked_on": today.isoformat(), "subject": "门诊挂号记录", "old_count": 1300, "new_count": 1300},
        content_type="application/json",
    )
    assert matched.status_code == 201 and matched.json()["matched"] is True

    # Each side signs for itself only.
    wrong_side = engineer.post(
        f"/api/v1/switchover-plans/{pid}/sign", {"side": "hospital"}, content_type="application/json"
    )
    assert wrong_side.status_code == 403
    vendor_signed = engineer.post(
        f"/api/v1/switchover-plans/{pid}/sign", {"side": "vendor"}, content_type="application/json"
    )
    assert vendor_signed.status_code == 200 and vendor_signed.json()["frozen"] is True
    assert vendor_signed.json()["signed"] is False and vendor_signed.json()["vendor_signer"] == "张伟"
    twice = engineer.post(
        f"/api/v1/switchover-plans/{pid}/sign", {"side": "vendor"}, content_type="application/json"
    )
    assert twice.status_code == 400
    both = admin.post(
        f"/api/v1/switchover-plans/{pid}/sign",
        {"side": "hospital", "signer": "信息科 李主任"},
        content_type="application/json",
    )
    assert both.status_code == 200 and both.json()["signed"] is True

    # Frozen: every edit is a 4xx with a clear message, and nothing changes.
    item_id = plan["items"][0]["id"]
    for method, url, body in (
        ("patch", f"/api/v1/switchover-plans/{pid}", {"title": "改"}),
        ("post", f"/api/v1/switchover-plans/{pid}/items", {"title": "新增"}),
        ("patch", f"/api/v1/switchover-items/{item_id}", {"done": False}),
        (
            "post",
            f"/api/v1/switchover-plans/{pid}/checks",
            {"checked_on": today.isoformat(), "subject": "x", "old_count": 1, "new_count": 1},
        ),
    ):
        answer = getattr(engineer, method)(url, body, content_type="application/json")
        assert answer.status_code == 400, (url, answer.content)
        assert "切换方案已签字，不能再修改" in str(answer.json()["detail"])
    row = SwitchoverPlan.objects.get(pk=pid)
    assert (
        row.title == "HIS 新旧系统切换"
        and row.items.count() == 2
        and row.items.filter(done=True).count() == 2
    )
    assert SyncCheck.objects.filter(plan=row).count() == 2
    actions = set(
        AuditEvent.objects.filter(action__startswith="records.switchover").values_list("action", flat=True)
    )
    assert actions == {
        "records.switchover",
        "records.switchover_item_edit",
        "records.switchover_check",
        "records.switchover_sign",
    }

    printed = admin.post(f"/api/v1/switchover-plans/{pid}/print")
    assert printed.status_code == 201
    doc = Document(io.BytesIO(_body(admin.get(printed.json()["download_url"]))))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "方案：HIS 新旧系统切换" in text and "旧 HIS 5.0 → 新 HIS 6.0" in text
    assert "厂商签字：张伟" in text and "医院签字：信息科 李主任" in text
    cells = [[c.text for c in r.cells] for t in doc.tables for r in t.rows]
    assert ["历史数据迁移完成", "已完成", "张伟", "已核对"] in cells
    assert [today.isoformat(), "门诊挂号记录", "1300", "1300", "一致", ""] in cells
    assert any(r[1] == "门诊挂号记录" and r[4] == "不一致" for r in cells)


def test_bad_plan_input_is_refused_with_a_clear_message(client_for, his, other_hospital):
    contract = his["contract"]
    engineer = client_for(his["engineer"])
    base = {
        "system_id": his["system"].pk,
        "title": "切换",
        "old_system": "旧",
        "new_system": "新",
        "parallel_start": "2026-11-10",
        "parallel_end": "2026-11-01",
    }
    backwards = engineer.post(
        f"/api/v1/contracts/{contract.pk}/switchover-plans", base, content_type="application/json"
    )
    assert backwards.status_code == 400 and "结束日期不能早于开始日期" in str(backwards.json()["detail"])
    other = contract_create_from_template(
        actor=None,
        template=get_template("drg-wuhan"),
        hospital=contract.hospital,
        vendor=contract.vendor,
        start=date(2026, 1, 1),
        code="DRG-SW",
    )
    foreign_system = MaintainedSystem.objects.filter(contract=other).first()
    wrong = engineer.post(
        f"/api/v1/contracts/{contract.pk}/switchover-plans",
        {**base, "parallel_end": "2026-11-30", "system_id": foreign_system.pk},
        content_type="application/json",
    )
    assert wrong.status_code == 400 and "这个系统不在本合同内" in str(wrong.json()["detail"])
    assert not SwitchoverPlan.objects.exists()
    stranger = member(other_hospital, Role.HOSPITAL_ADMIN)
    with pytest.raises(PermissionDenied):
        switchover.plan_create(
            actor=stranger,
            contract=contract,
            system=his["system"],
            title="x",
            old_system="x",
            new_system="x",
            parallel_start=date(2026, 11, 1),
            parallel_end=date(2026, 11, 2),
        )
    with pytest.raises(ValidationError):
        switchover.plan_create(
            actor=his["engineer"],
            contract=contract,
            system=his["system"],
            title="x",
            old_system="x",
            new_system="x",
            parallel_start=date(2026, 1, 1),
            parallel_end=date(2027, 6, 1),
        )


def test_the_pages_create_check_sign_and_freeze_a_plan(client_for, his):
    contract, system = his["contract"], his["system"]
    today = timezone.localdate()
    engineer, admin = client_for(his["engineer"]), client_for(his["admin"])
    listing = engineer.get(reverse("records:switchover_list") + f"?contract={contract.pk}").content.decode()
    assert "还没有切换方案" in listing and reverse("records:switchover_new", args=[contract.pk]) in listing
    records_page = engineer.get(reverse("records:contract_records", args=[contract.pk])).content.decode()
    assert "switchover-link" in records_page

    bad = engineer.post(
        reverse("records:switchover_new", args=[contract.pk]),
        {
            "title": "HIS 切换",
            "system": system.pk,
            "old_system": "旧 HIS",
            "new_system": "",
            "parallel_start": today.isoformat(),
            "parallel_end": today.isoformat(),
        },
    )
    assert bad.status_code == 200 and "这个字段是必填项" in bad.content.decode()
    assert not SwitchoverPlan.objects.exists()
    made = engineer.post(
        reverse("records:switchover_new", args=[contract.pk]),
        {
            "title": "HIS 切换",
            "system": system.pk,
            "old_system": "旧 HIS",
            "new_system": "新 HIS",
            "parallel_start": (today - timedelta(days=3)).isoformat(),
            "parallel_end": (today + timedelta(days=27)).isoformat(),
            "items": "历史数据迁移\n\n接口联调",
        },
        follow=True,
    )
    plan = SwitchoverPlan.objects.get()
    page = made.content.decode()
    assert "切换方案已建立" in page and "历史数据迁移" in page and "接口联调" in page
    assert plan.items.count() == 2

    detail = reverse("records:switchover_detail", args=[plan.pk])
    added = engineer.post(reverse("records:switchover_item_add", args=[plan.pk]), {"item-title": "用户培训"})
    assert added.status_code == 302 and plan.items.count() == 3
    empty_item = engineer.post(reverse("records:switchover_item_add", args=[plan.pk]), {"item-title": " "})
    assert empty_item.status_code == 400 and "这个字段是必填项" in empty_item.content.decode()
    before_start = engineer.post(
        reverse("records:switchover_check_add", args=[plan.pk]),
        {
            "check-checked_on": (today - timedelta(days=30)).isoformat(),
            "check-subject": "门诊挂号",
            "check-old_count": "10",
            "check-new_count": "10",
        },
    )
    assert before_start.status_code == 400 and "不能早于并行运行开始日期" in before_start.content.decode()
    assert not plan.checks.exists()
    engineer.post(
        reverse("records:switchover_check_add", args=[plan.pk]),
        {
            "check-checked_on": today.isoformat(),
            "check-subject": "门诊挂号",
            "check-old_count": "820",
            "check-new_count": "820",
        },
    )
    assert plan.checks.get().matched is True
    for item in plan.items.all():
        engineer.post(
            reverse("records:switchover_item_update", args=[item.pk]), {"done": "on", "done_by": "王强"}
        )
    assert set(plan.items.values_list("done_by", flat=True)) == {"王强"}

    # The vendor's engineer is offered the vendor side only; the admin the hospital side.
    vendor_page = engineer.get(detail).content.decode()
    assert 'value="vendor"' in vendor_page and 'value="hospital"' not in vendor_page
    engineer.post(reverse("records:switchover_sign", args=[plan.pk]), {"side": "vendor"})
    admin.post(reverse("records:switchover_sign", args=[plan.pk]), {"side": "hospital", "signer": "李主任"})
    plan.refresh_from_db()
    assert plan.signed
    signed_page = engineer.get(detail).content.decode()
    assert "双方已签字" in signed_page and "sign-form" not in signed_page
    assert "item-form" not in signed_page and "check-form" not in signed_page
    edit = engineer.post(reverse("records:switchover_edit", args=[plan.pk]), {"title": "改"}, follow=True)
    assert "切换方案已签字，不能再修改" in edit.content.decode()
    late = engineer.post(reverse("records:switchover_item_add", args=[plan.pk]), {"item-title": "晚到的检查"})
    assert late.status_code == 400 and "切换方案已签字，不能再修改" in late.content.decode()
    plan.refresh_from_db()
    assert plan.title == "HIS 切换" and plan.items.count() == 3
    printed = admin.post(reverse("records:switchover_print", args=[plan.pk]))
    assert printed.status_code == 302
    doc = Document(io.BytesIO(_body(admin.get(printed["Location"]))))
    assert "医院签字：李主任" in "\n".join(p.text for p in doc.paragraphs)


def test_only_the_contracts_people_write_and_a_platform_admin_signs_for_no_side(
    client_for, his, hospital, platform_admin
):
    from weibao.testing.factories import DepartmentFactory

    contract, today = his["contract"], timezone.localdate()
    plan = switchover.plan_create(
        actor=his["admin"],
        contract=contract,
        system=his["system"],
        title="HIS 切换",
        old_system="旧",
        new_system="新",
        parallel_start=today,
        parallel_end=today + timedelta(days=7),
        items=["迁移"],
    )
    switchover.item_update(actor=his["engineer"], item=plan.items.get(), done=True)
    switchover.check_record(
        actor=his["engineer"], plan=plan, checked_on=today, subject="挂号", old_count=3, new_count=3
    )
    clerk = member(hospital, Role.DEPARTMENT_USER, department=DepartmentFactory(hospital=hospital))
    client = client_for(clerk)
    item = client.post(
        f"/api/v1/switchover-plans/{plan.pk}/items", {"title": "x"}, content_type="application/json"
    )
    assert item.status_code in (403, 404)
    assert client.get(reverse("records:switchover_new", args=[contract.pk])).status_code in (403, 404)
    admin = client_for(platform_admin)
    for side in ("vendor", "hospital"):
        answer = admin.post(
            f"/api/v1/switchover-plans/{plan.pk}/sign", {"side": side}, content_type="application/json"
        )
        assert answer.status_code == 403, side
    bad_side = client_for(his["admin"]).post(
        f"/api/v1/switchover-plans/{plan.pk}/sign", {"side": "auditor"}, content_type="application/json"
    )
    assert bad_side.status_code in (400, 422)
    plan.refresh_from_db()
    assert not plan.frozen and plan.items.count() == 1


def test_one_signature_freezes_the_plan_for_the_other_side_to_sign_as_it_is(his):
    today = timezone.localdate()
    plan = switchover.plan_create(
        actor=his["engineer"],
        contract=his["contract"],
        system=his["system"],
        title="HIS 切换",
        old_system="旧",
        new_system="新",
        parallel_start=today,
        parallel_end=today + timedelta(days=7),
        items=["迁移"],
    )
    item = plan.items.get()
    switchover.item_update(actor=his["engineer"], item=item, done=True, done_by="王强", note="完成")
    switchover.check_record(
        actor=his["engineer"], plan=plan, checked_on=today, subject="挂号", old_count=0, new_count=0
    )
    switchover.plan_sign(actor=his["engineer"], plan=plan, side="vendor")
    assert plan.frozen and not plan.signed
    with pytest.raises(ValidationError, match="已签字"):
        switchover.item_update(actor=his["admin"], item=item, done=False)
    with pytest.raises(ValidationError, match="已签字"):
        switchover.plan_update(actor=his["admin"], plan=plan, title="改")
    item.refresh_from_db()
    assert (item.done, item.done_by, item.note) == (True, "王强", "完成")
    switchover.plan_sign(actor=his["admin"], plan=plan, side="hospital")
    assert plan.signed and plan.hospital_signer
