"""Backup policies of the maintained systems, the checks that backups ran, and restore tests.

Not Weibao's own backup (``weibao.backups``): these are the records the vendor keeps of the
hospital's systems (等保二级: regular backups, an off-site copy, tested restores)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from weibao.core.tenancy import TenantModel

from .choices import CheckSource, RestoreResult


class BackupPolicy(TenantModel):
    """What of a maintained system is backed up, how often, where, how long it is kept, whether
    a copy goes off site, and how often a restore must be tested. ``probe`` is the backup-freshness
    probe whose runs count as backup checks."""

    tenant_hospital_field = "hospital"
    tenant_contract_field = "system__contract"

    hospital = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    system = models.ForeignKey(
        "contracts.MaintainedSystem",
        on_delete=models.CASCADE,
        related_name="backup_policies",
        verbose_name=_("系统"),
    )
    name = models.CharField(_("名称"), max_length=128)
    scope = models.TextField(_("备份内容"))
    frequency_days = models.PositiveSmallIntegerField(_("备份周期（天）"), default=1)
    location = models.CharField(_("存放位置"), max_length=200)
    retention_days = models.PositiveIntegerField(_("保留天数"), default=30)
    offsite = models.BooleanField(_("异地备份"), default=False)
    offsite_location = models.CharField(_("异地存放位置"), max_length=200, blank=True)
    restore_interval_days = models.PositiveSmallIntegerField(_("恢复测试周期（天）"), default=90)
    probe = models.ForeignKey(
        "probes.Probe",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("新鲜度探针"),
    )
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The last day an overdue notice went out, so the daily job tells people once a week at most.
    backup_alerted_on = models.DateField(null=True, blank=True, editable=False)
    restore_alerted_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("备份策略")
        verbose_name_plural = _("备份策略")
        ordering = ["system_id", "name", "pk"]

    def __str__(self) -> str:
        return self.name


class BackupCheck(TenantModel):
    """One check that the policy's backup ran (by hand, or from the freshness probe)."""

    tenant_hospital_field = "hospital"
    tenant_contract_field = "policy__system__contract"

    hospital = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    policy = models.ForeignKey(BackupPolicy, on_delete=models.CASCADE, related_name="checks")
    checked_at = models.DateTimeField(_("检查时间"))
    ok = models.BooleanField(_("正常"))
    newest_backup_at = models.DateTimeField(_("最新备份时间"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=8, choices=CheckSource.choices)
    note = models.TextField(_("说明"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("备份检查")
        verbose_name_plural = _("备份检查")
        ordering = ["-checked_at", "-pk"]


class RestoreTest(TenantModel):
    """A test that a backup restores: what was restored where, the result, how long it took,
    who verified the restored data."""

    tenant_hospital_field = "hospital"
    tenant_contract_field = "policy__system__contract"

    hospital = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    policy = models.ForeignKey(BackupPolicy, on_delete=models.CASCADE, related_name="restore_tests")
    tested_on = models.DateField(_("测试日期"))
    restored = models.TextField(_("恢复内容"))
    target = models.CharField(_("恢复到"), max_length=200)
    result = models.CharField(_("结果"), max_length=8, choices=RestoreResult.choices)
    minutes = models.PositiveIntegerField(_("耗时（分钟）"))
    verified_by = models.CharField(_("核验人"), max_length=64)
    note = models.TextField(_("说明"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("恢复测试")
        verbose_name_plural = _("恢复测试")
        ordering = ["-tested_on", "-pk"]


class _ContractRecord(TenantModel):
    tenant_hospital_field = "hospital"
    tenant_contract_field = "contract"

    hospital = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey("contracts.Contract", on_delete=models.CASCADE, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class MeetingMinutes(_ContractRecord):
    """需求沟通会议纪要: when, who, what was discussed and decided; the action items follow."""

    held_on = models.DateField(_("会议日期"))
    title = models.CharField(_("会议主题"), max_length=200)
    attendees = models.TextField(_("参会人员"))
    topics = models.TextField(_("议题"))
    decisions = models.TextField(_("决定事项"), blank=True)

    class Meta:
        verbose_name = _("需求沟通会议纪要")
        verbose_name_plural = _("需求沟通会议纪要")
        ordering = ["-held_on", "-pk"]


class ActionItem(_ContractRecord):
    """An action of a meeting, with its owner; it may become a change request (需求变更)."""

    minutes = models.ForeignKey(MeetingMinutes, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField(_("待办事项"))
    owner = models.CharField(_("负责人"), max_length=64)
    due = models.DateField(_("完成期限"), null=True, blank=True)
    change_request = models.ForeignKey(
        "servicedesk.ChangeRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("会议待办")
        verbose_name_plural = _("会议待办")
        ordering = ["minutes_id", "pk"]


class TuningRecord(_ContractRecord):
    """系统调优记录: what was tuned and why, with the measurement before and after."""

    system = models.ForeignKey(
        "contracts.MaintainedSystem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done_on = models.DateField(_("调优日期"))
    what = models.TextField(_("调优内容"))
    why = models.TextField(_("原因"))
    measure = models.CharField(_("衡量指标"), max_length=128)
    before = models.CharField(_("调优前"), max_length=128)
    after = models.CharField(_("调优后"), max_length=128)

    class Meta:
        verbose_name = _("系统调优记录")
        verbose_name_plural = _("系统调优记录")
        ordering = ["-done_on", "-pk"]


class SwitchoverPlan(_ContractRecord):
    """切换方案: the switch from an old system to a new one with a parallel run (seed 003): the
    window both run side by side, a checklist, the data-sync checks that compare them, and the
    sign-off of both sides. Once a side has signed, nothing of it changes."""

    system = models.ForeignKey(
        "contracts.MaintainedSystem", on_delete=models.PROTECT, related_name="+", verbose_name=_("系统")
    )
    title = models.CharField(_("方案名称"), max_length=200)
    old_system = models.CharField(_("旧系统"), max_length=128)
    new_system = models.CharField(_("新系统"), max_length=128)
    parallel_start = models.DateField(_("并行运行开始"))
    parallel_end = models.DateField(_("并行运行结束"))
    description = models.TextField(_("切换步骤与回退方案"), blank=True)
    vendor_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    vendor_signer = models.CharField(_("厂商签字人"), max_length=64, blank=True)
    vendor_signed_at = models.DateTimeField(_("厂商签字时间"), null=True, blank=True)
    hospital_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    hospital_signer = models.CharField(_("医院签字人"), max_length=64, blank=True)
    hospital_signed_at = models.DateTimeField(_("医院签字时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("切换方案")
        verbose_name_plural = _("切换方案")
        ordering = ["-parallel_start", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def frozen(self) -> bool:
        """Signed by a side: the plan, its checklist and its checks no longer change."""
        return self.vendor_signed_at is not None or self.hospital_signed_at is not None

    @property
    def signed(self) -> bool:
        """Signed off by both sides."""
        return self.vendor_signed_at is not None and self.hospital_signed_at is not None


class SwitchoverItem(_ContractRecord):
    """One item of a switch-over plan's checklist: done or not, by whom, a note."""

    plan = models.ForeignKey(SwitchoverPlan, on_delete=models.CASCADE, related_name="items")
    title = models.CharField(_("检查项"), max_length=200)
    done = models.BooleanField(_("已完成"), default=False)
    done_by = models.CharField(_("完成人"), max_length=64, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("切换检查项")
        verbose_name_plural = _("切换检查项")
        ordering = ["plan_id", "pk"]

    def __str__(self) -> str:
        return self.title


class SyncCheck(_ContractRecord):
    """A data-sync check of the parallel run: on a day, what was compared, the counts in the old
    and the new system, whether they match."""

    plan = models.ForeignKey(SwitchoverPlan, on_delete=models.CASCADE, related_name="checks")
    checked_on = models.DateField(_("核对日期"))
    subject = models.CharField(_("核对内容"), max_length=200)
    old_count = models.PositiveBigIntegerField(_("旧系统数量"))
    new_count = models.PositiveBigIntegerField(_("新系统数量"))
    matched = models.BooleanField(_("一致"))
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("数据同步核对")
        verbose_name_plural = _("数据同步核对")
        ordering = ["plan_id", "checked_on", "pk"]
