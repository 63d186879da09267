"""Backup policies of a maintained system: a restore test older than its interval raises an
alert through the notifications, and the selector lists it for the next inspection."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from weibao.accounts.choices import Role
from weibao.contracts.models import Endpoint, MaintainedSystem
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.notifications.models import Notification
from weibao.probes.models import Probe
from weibao.records import selectors, services
from weibao.records.models import BackupPolicy
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
        code="HIS-BAK",
    )
    system = MaintainedSystem.objects.filter(contract=contract).first()
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    engineer = member(vendor, Role.VENDOR_ENGINEER)
    policy = services.policy_create(
        actor=engineer,
        system=system,
        name="HIS 数据库全备",
        scope="Oracle 全库 RMAN 备份",
        location="备份服务器 /backup/his",
        offsite=True,
        offsite_location="分院机房",
        restore_interval_days=90,
    )
    return contract, system, admin, engineer, policy


def _age(policy, days):
    BackupPolicy.objects.filter(pk=policy.pk).update(created_at=timezone.now() - timedelta(days=days))


def test_a_restore_test_older_than_its_interval_raises_an_alert(his):
    _contract, system, admin, engineer, policy = his
    _age(policy, 200)
    today = timezone.localdate()
    services.backup_check_record(actor=engineer, policy=policy, ok=True, newest_backup_at=timezone.now())
    services.restore_test_record(
        actor=engineer,
        policy=policy,
        tested_on=today - timedelta(days=91),
        restored="HIS 库 11 月 1 日全备",
        target="测试库服务器",
        result="passed",
        minutes=42,
        verified_by="信息科 张三",
    )
    overdue = selectors.overdue_restore_tests(system)
    assert [s.policy.pk for s in overdue] == [policy.pk]
    assert overdue[0].restore_due == today - timedelta(days=1)
    assert services.backup_alerts_send(today=today) == 1  # the backup itself is fresh
    notices = Notification.objects.filter(event="backup.overdue")
    assert {n.recipient_id for n in notices} >= {admin.pk, engineer.pk}
    assert all("恢复测试逾期" in n.title and "HIS 数据库全备" in n.title for n in notices)
    assert services.backup_alerts_send(today=today) == 0  # once a week at most
    # A week on: told again of the restore test, and now of the backup too (none for 7 days).
    assert services.backup_alerts_send(today=today + timedelta(days=7)) == 2
    titles = set(Notification.objects.filter(event="backup.overdue").values_list("title", flat=True))
    assert any("备份逾期" in t for t in titles)


def test_a_recent_passed_test_is_not_overdue_and_a_failed_one_does_not_count(his):
    _contract, system, _admin, engineer, policy = his
    _age(policy, 200)
    today = timezone.localdate()
    services.backup_check_record(actor=engineer, policy=policy, ok=True, newest_backup_at=timezone.now())
    services.restore_test_record(
        actor=engineer,
        policy=policy,
        tested_on=today - timedelta(days=10),
        restored="x",
        target="y",
        result="failed",
        minutes=5,
        verified_by="z",
    )
    assert selectors.overdue_restore_tests(system)  # a failed test does not reset the clock
    services.restore_test_record(
        actor=engineer,
        policy=policy,
        tested_on=today - timedelta(days=10),
        restored="x",
        target="y",
        result="passed",
        minutes=5,
        verified_by="z",
    )
    assert selectors.overdue_restore_tests(system) == []
    assert services.backup_alerts_send(today=today) == 0


def test_a_missing_backup_is_overdue_and_a_probe_run_is_a_check(his):
    _contract, system, _admin, _engineer, policy = his
    _age(policy, 3)
    (status,) = selectors.policy_statuses([policy])
    assert status.backup_overdue
    endpoint = Endpoint.objects.create(system=system, name="备份目录", kind="tcp", host="127.0.0.1", port=22)
    probe = Probe.objects.create(
        endpoint=endpoint,
        name="备份新鲜度",
        kind="backup",
        state=0,
        last_run_at=timezone.now(),
        last_message="OK",
    )
    BackupPolicy.objects.filter(pk=policy.pk).update(probe=probe)
    assert services.checks_from_probes() == 1
    assert services.checks_from_probes() == 0  # once per run
    (status,) = selectors.policy_statuses([BackupPolicy.objects.get(pk=policy.pk)])
    assert not status.backup_overdue


def test_input_and_permissions(his, other_hospital):
    _contract, system, _admin, engineer, policy = his
    with pytest.raises(ValidationError) as exc:
        services.policy_create(actor=engineer, system=system, name="", scope="", location="", offsite=True)
    assert set(exc.value.message_dict) == {"name", "scope", "location", "offsite_location"}
    with pytest.raises(ValidationError):
        services.restore_test_record(
            actor=engineer,
            policy=policy,
            tested_on=timezone.localdate() + timedelta(days=1),
            restored="x",
            target="y",
            result="passed",
            minutes=1,
            verified_by="z",
        )
    with pytest.raises(PermissionDenied):
        services.backup_check_record(
            actor=member(other_hospital, Role.HOSPITAL_ADMIN), policy=policy, ok=True
        )


def test_pages_and_api(his, client_for):
    _contract, system, admin, engineer, policy = his
    _age(policy, 200)
    client = client_for(admin)
    listing = client.get(reverse("records:policy_list")).content.decode()
    assert 'data-restore-overdue="1"' in listing and "恢复测试逾期" in listing
    response = client.post(
        reverse("records:policy_detail", args=[policy.pk]),
        {
            "form": "test",
            "test-tested_on": "2099-01-01",
            "test-restored": "x",
            "test-target": "y",
            "test-result": "passed",
            "test-minutes": "3",
            "test-verified_by": "z",
        },
    )
    assert response.status_code == 200 and "测试日期不能晚于今天" in response.content.decode()
    api = client_for(engineer)
    made = api.post(
        f"/api/v1/backup-policies/{policy.pk}/restore-tests",
        json.dumps(
            {
                "tested_on": timezone.localdate().isoformat(),
                "restored": "全库",
                "target": "测试库",
                "result": "passed",
                "minutes": 30,
                "verified_by": "张三",
            }
        ),
        content_type="application/json",
    )
    assert made.status_code == 201
    assert api.get(f"/api/v1/systems/{system.pk}/overdue-restore-tests").json() == []
    bad = api.post(
        f"/api/v1/systems/{system.pk}/backup-policies",
        json.dumps({"name": "x", "scope": "x", "location": "x", "offsite": True}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and "offsite_location" in bad.json()["detail"]
