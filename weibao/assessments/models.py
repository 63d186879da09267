"""Assessments (考核/评价) per contract and period, their samples and deduction lines, and what
people record on payment milestones."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.core.tenancy import TenantModel

from .choices import EVENT_LABELS, AssessmentState, SampleResult, TerminationState


class Assessment(TenantModel):
    """One assessment of one contract for one period (the template's assessment ``rule``, e.g.
    ``quarterly``, and the period code, e.g. ``2026Q3``). ``sequence`` is which of the contract's
    periods it is (the payment milestones name periods by it). ``facts`` is the last computation
    of the period's facts; once signed, nothing recomputes it."""

    tenant_hospital_field = "hospital"
    tenant_contract_field = "contract"

    hospital = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.CASCADE,
        related_name="assessments_done",
        verbose_name=_("合同"),
    )
    rule = models.CharField(_("考核"), max_length=48)
    rule_name = models.CharField(_("考核名称"), max_length=200)
    period = models.CharField(_("考核期"), max_length=16)
    sequence = models.PositiveSmallIntegerField(_("合同第几期"))
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期（不含）"))
    state = models.CharField(
        _("状态"), max_length=16, choices=AssessmentState.choices, default=AssessmentState.DRAFT
    )
    facts = models.JSONField(_("事实"), default=dict, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    self_assessment = models.TextField(_("厂商自评"), blank=True)
    hospital_opinion = models.TextField(_("医院评价意见"), blank=True)
    grade = models.CharField(_("结果"), max_length=32, blank=True)
    grade_label = models.CharField(_("评价结果"), max_length=32, blank=True)
    passed = models.BooleanField(_("合格"), null=True, blank=True)
    decided_passed = models.BooleanField(_("医院判定合格"), null=True, blank=True)
    deduction_total = models.DecimalField(_("扣款合计（元）"), max_digits=14, decimal_places=2, default=0)
    termination = models.CharField(
        _("终止合同"),
        max_length=16,
        choices=TerminationState.choices,
        default=TerminationState.NONE,
        blank=True,
    )
    termination_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(_("签署时间"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("考核")
        verbose_name_plural = _("考核")
        ordering = ["contract_id", "start", "rule"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "rule", "period"], name="assessment_unique_period")
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.rule} {self.period}"

    @property
    def is_signed(self) -> bool:
        return self.state == AssessmentState.SIGNED


class AssessmentEvent(models.Model):
    """The assessment's history, append-only: every move of its state, with who and why."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=32)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.action}"

    @property
    def action_label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))

    @property
    def move_label(self) -> str:
        """ "草稿 → 厂商已自评", or "" for an event that moved no state."""
        labels = dict(AssessmentState.choices)
        if not (self.from_state or self.to_state):
            return ""
        return f"{labels.get(self.from_state, '') or '—'} → {labels.get(self.to_state, self.to_state)}"


class Evaluation(models.Model):
    """One evaluation of an assessment (seed 003: 使用科室 and 信息中心), with its sample's draw
    (size or percent, the recorded seed) and its grade."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="evaluations")
    code = models.CharField(max_length=48)
    name = models.CharField(_("评价"), max_length=200)
    evaluator = models.CharField(_("评价方"), max_length=32)
    position = models.PositiveSmallIntegerField(default=0)
    seed = models.BigIntegerField(_("随机种子"), null=True, blank=True)
    size = models.PositiveIntegerField(_("抽查数量"), null=True, blank=True)
    percent = models.DecimalField(_("抽查比例 %"), max_digits=6, decimal_places=2, null=True, blank=True)
    population = models.PositiveIntegerField(_("总体数量"), default=0)
    drawn_at = models.DateTimeField(null=True, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    grade = models.CharField(max_length=32, blank=True)
    grade_label = models.CharField(_("等级"), max_length=32, blank=True)
    rate_grade_label = models.CharField(_("抽查等级"), max_length=32, blank=True)
    pass_percent = models.DecimalField(_("合格率 %"), max_digits=7, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["assessment_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "code"], name="assessment_evaluation_unique")
        ]

    def __str__(self) -> str:
        return self.name


class SampleRow(models.Model):
    """One sampled ticket of an evaluation, marked pass or fail (with a reason) by the hospital."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="rows")
    ticket = models.ForeignKey("servicedesk.Ticket", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()
    result = models.CharField(max_length=8, choices=SampleResult.choices, default=SampleResult.PENDING)
    reason = models.TextField(_("理由"), blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    marked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["evaluation_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "ticket"], name="sample_row_unique_ticket")
        ]

    def __str__(self) -> str:
        return f"{self.evaluation_id} #{self.position} {self.result}"


class DeductionLine(models.Model):
    """One deduction of an assessment: the rule, the evidence (ticket ids), the amount in yuan,
    and, when an assessor waived it, the written reason (the waiver is audited)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="deduction_lines")
    key = models.CharField(max_length=96)
    rule = models.CharField(_("规则"), max_length=48)
    rule_name = models.CharField(_("扣款规则"), max_length=200)
    kind = models.CharField(max_length=32)
    basis = models.TextField(_("依据"))
    tickets = models.JSONField(_("证据工单"), default=list)
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)
    detail = models.JSONField(default=dict, blank=True)
    waived = models.BooleanField(_("已免除"), default=False)
    waived_reason = models.TextField(_("免除理由"), blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    waived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assessment_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "key"], name="deduction_line_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.amount}"


class MilestoneRecord(TenantModel):
    """What people record on one payment milestone: the conditions no record computes (具备实施条件,
    交付物已提交, 审计完成 with the audited amount), the invoice, and the payment."""

    tenant_hospital_field = "contract__hospital"
    tenant_contract_field = "contract"

    contract = models.ForeignKey("contracts.Contract", on_delete=models.CASCADE, related_name="+")
    milestone = models.OneToOneField(
        "contracts.PaymentMilestone", on_delete=models.CASCADE, related_name="record"
    )
    condition_on = models.DateField(_("条件确认日期"), null=True, blank=True)
    deliverables_on = models.DateField(_("交付物提交日期"), null=True, blank=True)
    audit_on = models.DateField(_("审计确认日期"), null=True, blank=True)
    audited_amount = models.DecimalField(
        _("审定金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    invoice_number = models.CharField(_("发票号"), max_length=64, blank=True)
    invoice_on = models.DateField(_("开票日期"), null=True, blank=True)
    paid_on = models.DateField(_("支付日期"), null=True, blank=True)
    paid_amount = models.DecimalField(
        _("实付金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("付款记录")
        verbose_name_plural = _("付款记录")

    def __str__(self) -> str:
        return f"{self.milestone_id}"
