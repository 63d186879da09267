"""Periodic assessments, their grading, and deduction and penalty rules."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, model_validator

from .scalars import Code, DurationText, Money, Percent, Text, _Model
from .vocabulary import AssessmentPeriod, DeductionBase, DeductionKind, OnFailure, Payer, Signer


class Grade(_Model):
    code: Code
    label: Text
    min_percent: Percent


class Grading(_Model):
    """Grades from the sampled pass rate (服务效果抽查合格率)."""

    metric: str = Field(default="sampled_pass_rate", pattern=r"^sampled_pass_rate$")
    grades: list[Grade] = Field(min_length=2)
    passing: list[Code] = Field(min_length=1)
    adverse_event_grade: Code | None = None
    """Grade given whatever the pass rate when an adverse event (恶性事件/不良事件) occurred."""
    text: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Grading:
        codes = [g.code for g in self.grades]
        thresholds = [g.min_percent for g in self.grades]
        if thresholds != sorted(thresholds, reverse=True) or len(set(thresholds)) != len(thresholds):
            raise ValueError("grades must be listed best first with strictly decreasing min_percent")
        if thresholds[-1] != 0:
            raise ValueError("the last grade must have min_percent 0 so that every rate gets a grade")
        for name, refs in (("passing", self.passing), ("adverse_event_grade", [self.adverse_event_grade])):
            unknown = [r for r in refs if r is not None and r not in codes]
            if unknown:
                raise ValueError(f"{name} names unknown grade {unknown[0]!r} (known: {', '.join(codes)})")
        return self

    def grade_for(self, pass_percent: Decimal, adverse_event: bool = False) -> Grade:
        by_code = {g.code: g for g in self.grades}
        if adverse_event and self.adverse_event_grade:
            return by_code[self.adverse_event_grade]
        return next(g for g in self.grades if pass_percent >= g.min_percent)


class Sampling(_Model):
    """服务效果抽查: a random sample of the period's closed tickets, of a size or a percent the
    assessor may change; the draw's seed is recorded so it can be reproduced."""

    population: str = Field(default="closed_tickets", pattern=r"^closed_tickets$")
    size: int | None = Field(default=None, ge=1)
    percent: Percent | None = None
    text: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Sampling:
        if self.size is not None and self.percent is not None:
            raise ValueError("give a default size or a default percent, not both")
        return self


class Evaluation(_Model):
    """One evaluation of an assessment, by one evaluator, with its own sample and grade (seed
    003: 使用科室 服务水平评价 and 信息中心 服务质量评价). The assessment's result is the lowest."""

    code: Code
    name: Text
    evaluator: Signer
    grading: Grading | None = None
    """Defaults to the assessment's grading."""
    sampling: Sampling | None = None
    """Defaults to the assessment's sampling."""
    text: str | None = None


class Deduction(_Model):
    """A deduction (扣款) or penalty (违约金) rule."""

    code: Code
    kind: DeductionKind
    name: Text
    base: DeductionBase = DeductionBase.contract_amount
    percent: Percent | None = None
    by_severity: dict[str, Percent] | None = None
    threshold: DurationText | None = None
    clock: str | None = Field(default=None, pattern=r"^(response|onsite|resolution)$")
    calendar: Code | None = None
    every: DurationText | None = None
    cap_percent: Percent | None = None
    also_clock: str | None = Field(default=None, pattern=r"^(onsite|resolution)$")
    """late_response: count a ticket (once) also when this clock took longer than the threshold."""
    period_fee: Money | None = None
    """failed_period: the period's fee when the contract states it."""
    terminates_contract: bool = False
    payer: Payer = Payer.vendor
    text: Text
    note: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> Deduction:
        need: dict[DeductionKind, tuple[str, ...]] = {
            DeductionKind.late_response: ("percent", "threshold", "clock", "calendar"),
            DeductionKind.vendor_fault: ("by_severity",),
            DeductionKind.failed_period: ("percent",),
            DeductionKind.breach_penalty: ("percent", "every"),
        }
        allowed = {
            DeductionKind.late_response: {
                "percent",
                "threshold",
                "clock",
                "calendar",
                "cap_percent",
                "also_clock",
            },
            DeductionKind.vendor_fault: {"by_severity", "cap_percent"},
            DeductionKind.failed_period: {"percent", "terminates_contract", "period_fee"},
            DeductionKind.breach_penalty: {"percent", "every", "cap_percent"},
        }[self.kind]
        missing = [f for f in need[self.kind] if getattr(self, f) is None]
        if missing:
            raise ValueError(f"a {self.kind.value} rule needs {', '.join(missing)}")
        optional = (
            "percent",
            "by_severity",
            "threshold",
            "clock",
            "calendar",
            "every",
            "cap_percent",
            "also_clock",
            "period_fee",
        )
        extra = [f for f in optional if getattr(self, f) is not None and f not in allowed]
        if self.terminates_contract and "terminates_contract" not in allowed:
            extra.append("terminates_contract")
        if extra:
            raise ValueError(f"a {self.kind.value} rule does not take {', '.join(extra)}")
        if self.kind == DeductionKind.failed_period and self.base != DeductionBase.period_fee:
            raise ValueError("a failed_period rule deducts from base 'period_fee'")
        if self.kind == DeductionKind.breach_penalty and self.base != DeductionBase.contract_amount:
            raise ValueError("a breach_penalty rule is a percent of base 'contract_amount'")
        if self.payer == Payer.either_party and self.kind != DeductionKind.breach_penalty:
            raise ValueError("only a breach_penalty can be paid by 'either_party'")
        return self


class Assessment(_Model):
    """A periodic assessment (考核/评价)."""

    code: Code
    name: Text
    period: AssessmentPeriod
    evaluators: list[Signer] = Field(default_factory=list)
    countersigned_by: list[Signer] = Field(default_factory=list)
    report: str | None = None
    requires_deliverables: list[Code] = Field(default_factory=list)
    grading: Grading | None = None
    """Without grading the outcome is simply 合格/不合格 by the hospital's decision."""
    sampling: Sampling | None = None
    evaluations: list[Evaluation] = Field(default_factory=list)
    """Separate evaluations each with its own sample and grade; none means one, by the assessment."""
    deductions: list[Deduction] = Field(default_factory=list)
    on_failure: OnFailure | None = None
    text: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _evaluations(self) -> Assessment:
        codes = [e.code for e in self.evaluations]
        if len(set(codes)) != len(codes):
            raise ValueError("an evaluation code is listed twice")
        for e in self.evaluations:
            if e.grading is None and self.grading is None:
                raise ValueError(f"evaluation {e.code!r} has no grading and the assessment none either")
        return self

    @property
    def period_months(self) -> int:
        return {"quarter": 3, "half_year": 6, "year": 12}[self.period.value]
