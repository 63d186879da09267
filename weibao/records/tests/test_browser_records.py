"""In Chromium: the hospital's admin records a backup policy at a desk (a wrong input first: the
form says what is missing in Chinese and saves nothing), then on a phone opens the list and the
policy and records a restore test. A vendor engineer starts a switch-over plan on a phone.
Screenshots go to ``var/screenshots/records/``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from weibao.accounts.choices import Role
from weibao.contracts.models import MaintainedSystem
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.records.models import BackupPolicy, SwitchoverPlan
from weibao.testing.browser import login
from weibao.testing.factories import member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR).parent / "var" / "screenshots" / "records"


@pytest.fixture
def his(hospital, vendor):
    contract = contract_create_from_template(
        actor=None,
        template=get_template("his-3y"),
        hospital=hospital,
        vendor=vendor,
        start=date(2026, 1, 1),
        amount=Decimal("2940000"),
        code="HIS-UI",
    )
    return {
        "contract": contract,
        "system": MaintainedSystem.objects.filter(contract=contract).first(),
        "admin": member(hospital, Role.HOSPITAL_ADMIN, username="hisadmin"),
        "engineer": member(vendor, Role.VENDOR_ENGINEER, username="hiseng", first_name="张伟", last_name=""),
    }


def test_a_hospital_admin_records_a_backup_policy_at_a_desk_and_a_restore_test_on_a_phone(
    new_context, his, password
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    desk = new_context(viewport={"width": 1280, "height": 900}).new_page()
    phone = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    for pg in (desk, phone):
        pg.set_default_timeout(20000)

    login(desk, his["admin"].username, password)
    desk.goto("/records/backups/")
    desk.wait_for_selector("#policy-empty")
    desk.click("#policy-empty a")
    desk.wait_for_selector("#policy-form")
    desk.select_option("#id_system", str(his["system"].pk))
    desk.fill("#id_name", "HIS 数据库全备")
    desk.fill("#id_scope", "Oracle 全库 RMAN 备份")
    desk.fill("#id_location", "备份服务器 /backup/his")
    desk.check("#id_offsite")  # off site, but where?
    desk.click("#policy-form button[type=submit]")
    desk.wait_for_selector("#policy-form .error-text")
    assert "异地备份请填写异地存放位置" in desk.inner_text("#policy-form")
    assert not BackupPolicy.objects.exists()
    desk.screenshot(path=str(SHOTS / "policy-error-desktop.png"), full_page=True)
    desk.fill("#id_offsite_location", "分院机房")
    desk.fill("#id_restore_interval_days", "30")
    desk.click("#policy-form button[type=submit]")
    desk.wait_for_selector("text=备份策略已登记")
    policy = BackupPolicy.objects.get()
    assert (policy.system, policy.offsite_location, policy.restore_interval_days) == (
        his["system"],
        "分院机房",
        30,
    )
    assert "分院机房" in desk.inner_text("main")
    desk.screenshot(path=str(SHOTS / "policy-created-desktop.png"), full_page=True)

    login(phone, his["admin"].username, password)
    phone.goto("/records/backups/")
    phone.click(f"a[href='/records/backups/{policy.pk}/']")
    phone.wait_for_selector("text=HIS 数据库全备")
    phone.click("summary:has-text('登记恢复测试')")
    phone.fill("#id_test-tested_on", timezone.localdate().isoformat())
    phone.fill("#id_test-restored", "门诊库全量")
    phone.fill("#id_test-target", "测试库")
    phone.select_option("#id_test-result", "passed")
    phone.fill("#id_test-minutes", "45")
    phone.fill("#id_test-verified_by", "信息科 李工")
    phone.click("form:has(#id_test-restored) button")
    phone.wait_for_selector("text=已记录")
    assert "门诊库全量" in phone.inner_text("main")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 400
    phone.screenshot(path=str(SHOTS / "policy-restore-test-phone.png"), full_page=True)
    assert policy.restore_tests.get().verified_by == "信息科 李工"


def test_an_engineer_starts_a_switchover_plan_on_a_phone(new_context, his, password):
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    phone.set_default_timeout(20000)
    contract = his["contract"]
    login(phone, his["engineer"].username, password)
    phone.goto(f"/records/contract/{contract.pk}/")
    phone.click("#switchover-link")
    phone.wait_for_selector("#switchover-list .empty")
    phone.click("#switchover-new-go")
    phone.wait_for_selector("#switchover-form")
    phone.fill("#id_title", "HIS 新旧系统切换")
    phone.select_option("#id_system", str(his["system"].pk))
    phone.fill("#id_old_system", "旧 HIS 5.0")
    phone.fill("#id_new_system", "新 HIS 6.0")
    phone.fill("#id_items", "历史数据迁移完成\n接口联调通过")
    phone.click("#switchover-form button[type=submit]")
    phone.wait_for_selector("text=切换方案已建立")
    plan = SwitchoverPlan.objects.get()
    item = plan.items.order_by("pk").first()
    phone.click(f"#item-{item.pk} summary")
    phone.check(f"#item-{item.pk} input[name=done]")
    phone.click(f"#item-{item.pk} button[type=submit]")
    phone.wait_for_selector(f"#item-{item.pk}[data-done='1']")
    phone.click("#plan-checks summary")
    phone.fill("#id_check-subject", "门诊挂号记录")
    phone.fill("#id_check-old_count", "1200")
    phone.fill("#id_check-new_count", "1198")
    phone.click("#check-form button[type=submit]")
    phone.wait_for_selector(".sync-check[data-matched='0']")
    assert "1 项检查未完成" in phone.inner_text("#sign-missing")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 400
    phone.screenshot(path=str(SHOTS / "switchover-phone.png"), full_page=True)
