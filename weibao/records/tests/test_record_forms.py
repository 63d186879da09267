"""The record forms: a backup policy, meeting minutes (with action items) and a tuning record are
created and corrected through their services and shown on their pages; bad input shows a
Chinese message and saves nothing; who may not write gets no form."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from weibao.accounts.choices import Role
from weibao.audit.models import AuditEvent
from weibao.contracts.models import MaintainedSystem
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.records.models import BackupPolicy, MeetingMinutes, TuningRecord
from weibao.testing.factories import DepartmentFactory, member

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
        code="HIS-FORM",
    )
    return {
        "contract": contract,
        "system": MaintainedSystem.objects.filter(contract=contract).first(),
        "admin": member(hospital, Role.HOSPITAL_ADMIN),
        "engineer": member(vendor, Role.VENDOR_ENGINEER),
    }


POLICY = {
    "name": "HIS 数据库全备",
    "scope": "Oracle 全库 RMAN 备份",
    "frequency_days": "1",
    "location": "备份服务器 /backup/his",
    "retention_days": "30",
    "restore_interval_days": "90",
}


def test_a_hospital_admin_creates_and_corrects_a_backup_policy(client_for, his):
    admin = client_for(his["admin"])
    empty = admin.get(reverse("records:policy_list")).content.decode()
    assert "还没有备份策略" in empty and reverse("records:policy_new") in empty

    made = admin.post(
        reverse("records:policy_new"),
        {**POLICY, "system": his["system"].pk, "offsite": "on", "offsite_location": "分院机房"},
        follow=True,
    )
    policy = BackupPolicy.objects.get()
    page = made.content.decode()
    assert "备份策略已登记" in page and "Oracle 全库 RMAN 备份" in page and "分院机房" in page
    assert (policy.system, policy.offsite, policy.restore_interval_days) == (his["system"], True, 90)
    assert AuditEvent.objects.filter(action="records.backup_policy_create").count() == 1

    edit = reverse("records:policy_edit", args=[policy.pk])
    assert "备份服务器 /backup/his" in admin.get(edit).content.decode()
    changed = admin.post(edit, {**POLICY, "restore_interval_days": "30", "active": "on"}, follow=True)
    assert "备份策略已修改" in changed.content.decode()
    policy.refresh_from_db()
    assert (policy.restore_interval_days, policy.offsite, policy.offsite_location) == (30, False, "")
    assert AuditEvent.objects.filter(action="records.backup_policy_edit").count() == 1
    stopped = admin.post(edit, POLICY, follow=True)  # "active" unticked
    assert "已停用" in stopped.content.decode()
    policy.refresh_from_db()
    assert not policy.active


def test_bad_policy_input_shows_a_chinese_message_and_saves_nothing(client_for, his):
    engineer = client_for(his["engineer"])
    answer = engineer.post(
        reverse("records:policy_new"), {**POLICY, "system": his["system"].pk, "offsite": "on"}
    )
    assert answer.status_code == 200 and "异地备份请填写异地存放位置" in answer.content.decode()
    blank = engineer.post(reverse("records:policy_new"), {**POLICY, "system": his["system"].pk, "name": " "})
    assert "这个字段是必填项" in blank.content.decode()
    assert not BackupPolicy.objects.exists()


def test_a_department_user_gets_no_policy_form(client_for, his, hospital):
    user = member(hospital, Role.DEPARTMENT_USER, department=DepartmentFactory(hospital=hospital))
    client = client_for(user)
    assert client.get(reverse("records:policy_new")).status_code == 403
    assert reverse("records:policy_new") not in client.get(reverse("records:policy_list")).content.decode()


def test_minutes_are_recorded_with_action_items_and_corrected(client_for, his):
    contract = his["contract"]
    engineer = client_for(his["engineer"])
    page = engineer.get(reverse("records:contract_records", args=[contract.pk])).content.decode()
    assert "还没有会议纪要" in page and reverse("records:minutes_new", args=[contract.pk]) in page

    made = engineer.post(
        reverse("records:minutes_new", args=[contract.pk]),
        {
            "held_on": "2026-11-03",
            "title": "HIS 第四季度需求沟通",
            "attendees": "信息科 张三；厂商 王五",
            "topics": "门诊收费流程调整",
            "decisions": "12 月上线",
            "actions": "收费界面增加医保结算提示｜王五｜2026-12-15\n整理需求清单｜张三",
        },
        follow=True,
    )
    minutes = MeetingMinutes.objects.get()
    page = made.content.decode()
    assert "会议纪要已登记" in page and "HIS 第四季度需求沟通" in page and "收费界面增加医保结算提示" in page
    assert [(a.description, a.owner, a.due) for a in minutes.actions.order_by("pk")] == [
        ("收费界面增加医保结算提示", "王五", date(2026, 12, 15)),
        ("整理需求清单", "张三", None),
    ]
    edit = reverse("records:minutes_edit", args=[minutes.pk])
    engineer.post(
        edit,
        {
            "held_on": "2026-11-04",
            "title": "HIS 第四季度需求沟通会",
            "attendees": "信息科 张三；厂商 王五",
            "topics": "门诊收费流程调整",
            "actions": "补充测试用例｜王五",
        },
    )
    minutes.refresh_from_db()
    assert (minutes.held_on, minutes.title, minutes.decisions) == (
        date(2026, 11, 4),
        "HIS 第四季度需求沟通会",
        "",
    )
    assert minutes.actions.count() == 3


def test_bad_minutes_show_a_chinese_message_and_save_nothing(client_for, his):
    url = reverse("records:minutes_new", args=[his["contract"].pk])
    base = {"held_on": "2026-11-03", "title": "会", "attendees": "张三", "topics": "议题"}
    engineer = client_for(his["engineer"])
    no_owner = engineer.post(url, {**base, "actions": "只有事项"})
    assert "第 1 项待办须填写事项和负责人" in no_owner.content.decode()
    bad_day = engineer.post(url, {**base, "actions": "事项｜王五｜下周"})
    assert "不是日期" in bad_day.content.decode()
    future = engineer.post(url, {**base, "held_on": "2099-01-01"})
    assert "会议日期不能晚于今天" in future.content.decode()
    assert not MeetingMinutes.objects.exists()


def test_a_tuning_record_is_recorded_and_corrected(client_for, his):
    contract = his["contract"]
    admin = client_for(his["admin"])
    data = {
        "done_on": "2026-11-05",
        "system": his["system"].pk,
        "what": "门诊挂号查询加索引",
        "why": "高峰期挂号慢",
        "measure": "挂号平均响应时间",
        "before": "3.2 秒",
        "after": "0.4 秒",
    }
    made = admin.post(reverse("records:tuning_new", args=[contract.pk]), data, follow=True)
    record = TuningRecord.objects.get()
    page = made.content.decode()
    assert "调优记录已登记" in page and "门诊挂号查询加索引" in page and "0.4 秒" in page
    admin.post(reverse("records:tuning_edit", args=[record.pk]), {**data, "after": "0.3 秒"})
    record.refresh_from_db()
    assert record.after == "0.3 秒" and record.system == his["system"]
    bad = admin.post(reverse("records:tuning_new", args=[contract.pk]), {**data, "before": ""})
    assert "这个字段是必填项" in bad.content.decode() and TuningRecord.objects.count() == 1
