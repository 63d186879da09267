"""Jobs of the backups app: the nightly backup, the daily check that one exists, the weekly restore
test and the audit log's archive-then-prune. They only call services."""

from __future__ import annotations

from huey import crontab

from weibao.core.tasks import periodic

from . import auditarchive, schedule


@periodic(
    crontab(hour="2", minute="15"), description="每晚备份（数据库、附件、密钥），按保留策略清理，异地复制"
)
def nightly_backup() -> dict:
    """Tonight's backup; a failure is recorded and told to the platform admins."""
    return schedule.backup_nightly()


@periodic(crontab(hour="9", minute="0"), description="检查最近一天是否有成功的备份")
def check_backup_missing() -> bool:
    """Tell the platform admins when no backup succeeded for more than a day."""
    return schedule.backup_check_missing()


@periodic(
    crontab(day_of_week="0", hour="4", minute="30"),
    description="每周恢复测试：把最新备份恢复到临时位置并校验",
)
def weekly_restore_test() -> dict:
    """Restore the newest backup into a scratch place and record the result."""
    return schedule.restore_test()


@periodic(crontab(hour="3", minute="50"), description="超过保留期的审计记录先归档（签名）再删除")
def prune_audit() -> int:
    """Archive the audit records past retention to a signed file, then prune them."""
    return auditarchive.audit_archive_and_prune().count
