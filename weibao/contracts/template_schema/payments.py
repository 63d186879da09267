"""Payments: payment milestones, priced subsystems and renewal."""

from __future__ import annotations

from fractions import Fraction

from pydantic import Field, model_validator

from .scalars import Code, DurationText, FractionText, Money, Percent, Text, _Model
from .vocabulary import PaymentTrigger


class PaymentMilestone(_Model):
    """A payment node (付款节点)."""

    code: Code
    name: Text
    percent: Percent | None = None
    fraction: FractionText | None = None
    amount: Money | None = None
    trigger: PaymentTrigger
    assessment: Code | None = None
    periods: list[int] = Field(default_factory=list)
    report: str | None = None
    requires_all_deliverables: bool = False
    requires_invoice: bool = False
    pay_within: DurationText | None = None
    pay_within_months: int | None = Field(default=None, ge=1)
    condition: Text | None = None
    """A condition a person marks before the milestone is payable (seed 004: 具备实施条件)."""
    remainder_of_audited: bool = False
    """The amount is the audited amount minus what was paid before (seed 003's 验收款)."""
    text: Text
    note: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> PaymentMilestone:
        given = [f for f in ("percent", "fraction", "amount") if getattr(self, f) is not None]
        if len(given) != 1:
            raise ValueError("a milestone needs exactly one of percent, fraction or amount")
        if self.trigger == PaymentTrigger.after_assessment_passed and not (self.assessment and self.periods):
            raise ValueError("after_assessment_passed needs 'assessment' and 'periods'")
        if self.periods and not self.assessment:
            raise ValueError("'periods' needs the 'assessment' they belong to")
        if self.trigger == PaymentTrigger.after_report_accepted and not self.report:
            raise ValueError("after_report_accepted needs the 'report' that must be accepted")
        if self.pay_within and self.pay_within_months:
            raise ValueError("give either pay_within or pay_within_months, not both")
        if len(set(self.periods)) != len(self.periods):
            raise ValueError("a period is listed twice")
        return self

    @property
    def share(self) -> Fraction | None:
        """Share of the contract amount, or ``None`` for a fixed amount."""
        if self.percent is not None:
            return Fraction(self.percent) / 100
        if self.fraction is not None:
            num, den = self.fraction.split("/")
            return Fraction(int(num), int(den))
        return None


class Subsystem(_Model):
    """A priced part of the contract (子系统), when the contract splits its price."""

    code: Code
    name: Text
    system: Code | None = None
    amount: Money | None = None
    share_percent: Percent | None = None
    text: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _price(self) -> Subsystem:
        if (self.amount is None) == (self.share_percent is None):
            raise ValueError("a subsystem needs exactly one of amount or share_percent")
        return self


class Renewal(_Model):
    max_times: int = Field(ge=1)
    assessment: Code | None = None
    text: Text
