"""The maintenance contract (维保合同) and the terms every later computation reads."""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.contracts.template_schema import Category, Channel, DeductionKind, PaymentTrigger
from weibao.core.tenancy import TenantModel, TenantQuerySet

CATEGORY_CHOICES = [(c.value, c.label) for c in Category]
CHANNEL_CHOICES = [(c.value, c.label) for c in Channel]


class ContractStatus(models.TextChoices):
    """A contract's status. 草稿 and 已终止 are set by a person; a signed contract (stored as
    ``active``) is 未生效, 履行中 or 已到期 by its dates (:meth:`Contract.status_on`), computed when
    read so it is never stale. ``pending`` is never stored: it is what ``active`` reads as before
    the start date."""

    DRAFT = "draft", _("草稿")
    PENDING = "pending", _("未生效")
    ACTIVE = "active", _("履行中")
    EXPIRED = "expired", _("已到期")
    TERMINATED = "terminated", _("已终止")


#: Statuses a person sets (stored as such); the others follow the dates.
SET_BY_PERSON = frozenset({ContractStatus.DRAFT, ContractStatus.TERMINATED})


def local_day(at: date | datetime | None = None) -> date:
    """The hospital's calendar day (Asia/Shanghai, the installation's time zone) of ``at``."""
    if at is None:
        return timezone.localdate()
    if isinstance(at, datetime):
        return timezone.localdate(at) if timezone.is_aware(at) else at.date()
    return at


def status_on(stored: str, start: date, end: date, day: date) -> str:
    """The status a contract stored as ``stored`` with period ``start``–``end`` has on ``day``."""
    if stored in SET_BY_PERSON:
        return stored
    if stored == ContractStatus.EXPIRED:
        return stored  # set by hand before the dates did it: the contract has ended
    if day < start:
        return ContractStatus.PENDING
    if day > end:
        return ContractStatus.EXPIRED
    return ContractStatus.ACTIVE


class ContractQuerySet(TenantQuerySet):
    """Contracts, with the date-driven status as a filter."""

    def in_force(self, at: date | datetime | None = None) -> ContractQuerySet:
        """Contracts that take tickets at ``at`` (default now): signed, not terminated, and
        ``start ≤ day ≤ end`` on the hospital's calendar."""
        return self.filter(status_q(ContractStatus.ACTIVE, local_day(at)))

    def with_status(self, status: str, at: date | datetime | None = None) -> ContractQuerySet:
        """Contracts whose status (as :meth:`Contract.status_on` computes it) is ``status``."""
        return self.filter(status_q(status, local_day(at)))


def status_q(status: str, day: date) -> models.Q:
    """The filter of contracts whose status on ``day`` is ``status`` (see :func:`status_on`)."""
    signed = models.Q(status=ContractStatus.ACTIVE)
    if status == ContractStatus.ACTIVE:
        return signed & models.Q(start__lte=day, end__gte=day)
    if status == ContractStatus.PENDING:
        return signed & models.Q(start__gt=day)
    if status == ContractStatus.EXPIRED:
        return (signed & models.Q(end__lt=day)) | models.Q(status=ContractStatus.EXPIRED)
    return models.Q(status=status)


class Contract(TenantModel):
    """A hospital's maintenance contract with one vendor: period, amount, and the terms that
    deadlines, inspections, assessments and payments are computed from.

    Sections a later part of the product models in its own tables (inspections, deliverables,
    residency, assessments) are kept here as validated template data (JSON) until then.
    """

    tenant_hospital_field = "hospital"
    tenant_contract_field = "pk"

    code = models.CharField(_("合同编号"), max_length=48, unique=True)
    title = models.CharField(_("合同名称"), max_length=200)
    hospital = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="contracts", verbose_name=_("医院")
    )
    vendor = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.PROTECT,
        related_name="vendor_contracts",
        verbose_name=_("厂商"),
    )
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    amount = models.DecimalField(_("合同金额（元）"), max_digits=14, decimal_places=2)
    status = models.CharField(
        _("状态"), max_length=16, choices=ContractStatus.choices, default=ContractStatus.ACTIVE
    )
    renewal_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewals",
        verbose_name=_("续签自"),
    )
    template_code = models.CharField(_("模板"), max_length=48, blank=True)
    channels = models.JSONField(_("服务方式"), default=list, blank=True)
    support_lines = models.JSONField(_("支持热线"), default=list, blank=True)
    contacts = models.JSONField(_("联系人与升级链"), default=list, blank=True)
    clock_rules = models.JSONField(_("计时规则"), default=dict, blank=True)
    obligations = models.JSONField(_("义务（巡检、交付物、驻场等）"), default=dict, blank=True)
    assessments = models.JSONField(_("考核"), default=list, blank=True)
    subsystems = models.JSONField(_("子系统金额"), default=list, blank=True)
    renewal_rule = models.JSONField(_("续签规则"), default=dict, blank=True)
    source = models.JSONField(_("来源"), default=dict, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("维保合同")
        verbose_name_plural = _("维保合同")
        ordering = ["-start", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="contract_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def status_on(self, at: date | datetime | None = None) -> str:
        """The status on the hospital's calendar day of ``at`` (default today)."""
        return status_on(self.status, self.start, self.end, local_day(at))

    @property
    def current_status(self) -> str:
        """The status today: what lists, the detail page and the API show."""
        return self.status_on()

    def get_current_status_display(self) -> str:
        return str(ContractStatus(self.current_status).label)

    def in_force_at(self, at: date | datetime | None = None) -> bool:
        """Does the contract take tickets reported at ``at``?"""
        return self.status_on(at) == ContractStatus.ACTIVE


class ContractChild(TenantModel):
    """Base of records that belong to one contract (and so to its hospital)."""

    tenant_hospital_field = "contract__hospital"
    tenant_contract_field = "contract"

    class Meta:
        abstract = True


class ServiceTerm(ContractChild):
    """One row of the contract's service table (服务项目), with its response, on-site and
    resolution targets. A target is ``{"within": "2h", "calendar": "7x24"}``,
    ``{"immediate": true, "calendar": …}``, ``{"workday_appointment": true, "calendar": "5x8"}``
    or null (no promise); see :mod:`weibao.contracts.targets`."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="terms")
    number = models.PositiveSmallIntegerField(_("序号"))
    group = models.CharField(_("分组"), max_length=64, blank=True)
    category = models.CharField(_("类别"), max_length=32, choices=CATEGORY_CHOICES)
    item = models.CharField(_("服务项目"), max_length=128)
    content = models.TextField(_("服务内容"))
    mode_text = models.CharField(_("服务方式（原文）"), max_length=256, blank=True)
    response_text = models.CharField(_("响应时间（原文）"), max_length=256, blank=True)
    channels = models.JSONField(_("服务方式"), default=list, blank=True)
    response = models.JSONField(_("响应"), null=True, blank=True)
    onsite = models.JSONField(_("到场"), null=True, blank=True)
    resolution = models.JSONField(_("解决"), null=True, blank=True)
    escalate_onsite = models.JSONField(_("远程无法解决时到场"), null=True, blank=True)
    separately_paid = models.BooleanField(_("另行付费"), default=False)
    extra = models.JSONField(_("其他"), default=dict, blank=True)

    class Meta:
        verbose_name = _("服务项目")
        verbose_name_plural = _("服务项目")
        ordering = ["contract_id", "number"]
        constraints = [models.UniqueConstraint(fields=["contract", "number"], name="term_unique_number")]

    def __str__(self) -> str:
        return f"{self.number}. {self.item}"


class Severity(ContractChild):
    """A fault class of the contract (致命/严重/一般; 一级/二级) with its own targets."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="severities")
    code = models.CharField(_("代码"), max_length=32)
    label = models.CharField(_("等级"), max_length=32)
    definition = models.TextField(_("定义"))
    order = models.PositiveSmallIntegerField(default=0)
    response = models.JSONField(_("响应"), null=True, blank=True)
    onsite = models.JSONField(_("到场"), null=True, blank=True)
    resolution = models.JSONField(_("解决"), null=True, blank=True)
    escalate_onsite = models.JSONField(_("远程无法解决时到场"), null=True, blank=True)
    extra = models.JSONField(_("其他"), default=dict, blank=True)

    class Meta:
        verbose_name = _("故障等级")
        verbose_name_plural = _("故障等级")
        ordering = ["contract_id", "order"]
        constraints = [models.UniqueConstraint(fields=["contract", "code"], name="severity_unique_code")]

    def __str__(self) -> str:
        return self.label


class PaymentMilestone(ContractChild):
    """A payment node (付款节点): a share or amount, released by a trigger."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="payment_milestones")
    code = models.CharField(_("代码"), max_length=32)
    order = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("名称"), max_length=128)
    percent = models.DecimalField(_("比例 %"), max_digits=7, decimal_places=4, null=True, blank=True)
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)
    trigger = models.CharField(
        _("触发条件"), max_length=32, choices=[(t.value, t.label) for t in PaymentTrigger]
    )
    assessment = models.CharField(_("考核"), max_length=32, blank=True)
    text = models.TextField(_("原文"), blank=True)
    extra = models.JSONField(_("其他"), default=dict, blank=True)

    class Meta:
        verbose_name = _("付款节点")
        verbose_name_plural = _("付款节点")
        ordering = ["contract_id", "order"]

    def __str__(self) -> str:
        return self.name


class DeductionRule(ContractChild):
    """A deduction (扣款) or penalty (违约金) rule, in the template vocabulary."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="deduction_rules")
    code = models.CharField(_("代码"), max_length=32)
    assessment = models.CharField(_("所属考核"), max_length=32, blank=True)
    kind = models.CharField(_("类型"), max_length=32, choices=[(k.value, k.label) for k in DeductionKind])
    name = models.CharField(_("名称"), max_length=128)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    text = models.TextField(_("原文"), blank=True)

    class Meta:
        verbose_name = _("扣款规则")
        verbose_name_plural = _("扣款规则")
        ordering = ["contract_id", "id"]

    def __str__(self) -> str:
        return self.name


class ContractDocument(ContractChild):
    """A file attached to the contract (the signed PDF, annexes)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("标题"), max_length=128)
    file = models.FileField(_("文件"), upload_to="contracts/%Y/")
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("合同文件")
        verbose_name_plural = _("合同文件")

    def __str__(self) -> str:
        return self.title


class ContractGrant(models.Model):
    """An auditor's read access to one contract."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contract_grants"
    )
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="grants")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    valid_until = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "contract"], name="contract_grant_unique")]

    def __str__(self) -> str:
        return f"{self.user} → {self.contract}"
