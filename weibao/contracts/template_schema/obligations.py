"""Obligations: inspections, deliverables, service reports, resident engineers and other duties."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from pydantic import Field, model_validator

from .scalars import Code, DurationText, Text, _Model
from .vocabulary import CadenceKind, DeliverablePeriod, DueRuleKind, InspectionMode, ObligationKind, Signer


def _shorthand(what: str, field: str, plain: tuple[str, ...], counted: tuple[str, ...]):
    """Accept ``monthly`` or ``{every_n_months: 6}`` besides the canonical ``{<field>: .., n: ..}``."""
    forms = ", ".join([*plain, *(f"{{{c}: N}}" for c in counted)])

    def convert(value: Any) -> Any:
        if isinstance(value, str):
            if value not in plain:
                raise ValueError(f"unknown {what} {value!r}: write one of {forms}")
            return {field: value}
        if isinstance(value, dict) and field not in value:
            keys = [k for k in value if k in counted]
            if len(keys) == 1:
                rest = {k: v for k, v in value.items() if k != keys[0]}
                return {field: keys[0], "n": value[keys[0]], **rest}
            raise ValueError(f"write one of {forms} (or {{{field}: ..., n: ...}})")
        return value

    return convert


class Cadence(_Model):
    """How often: ``monthly``, ``quarterly``, ``half_yearly``, ``yearly``,
    ``{times_per_year: N}`` or ``{every_n_months: N}``."""

    kind: CadenceKind
    n: int | None = Field(default=None, ge=1, le=366)

    @model_validator(mode="before")
    @classmethod
    def _short(cls, value: Any) -> Any:
        return _shorthand(
            "cadence",
            "kind",
            ("monthly", "quarterly", "half_yearly", "yearly"),
            ("times_per_year", "every_n_months"),
        )(value)

    @model_validator(mode="after")
    def _n(self) -> Cadence:
        counted = self.kind in (CadenceKind.times_per_year, CadenceKind.every_n_months)
        if counted and self.n is None:
            raise ValueError(f"'{self.kind.value}' needs a number, e.g. {{{self.kind.value}: 4}}")
        if not counted and self.n is not None:
            raise ValueError(f"'{self.kind.value}' takes no number")
        return self

    def per_year(self) -> Fraction:
        """How many times a year."""
        fixed = {"monthly": 12, "quarterly": 4, "half_yearly": 2, "yearly": 1}
        if self.kind.value in fixed:
            return Fraction(fixed[self.kind.value])
        if self.kind == CadenceKind.times_per_year:
            return Fraction(self.n or 0)
        return Fraction(12, self.n or 1)


class DueRule(_Model):
    """When a document is due: ``end_of_period``, ``after_each_event``,
    ``{day_of_following_month: 10}`` or ``{days_after_period_end: 15}``."""

    rule: DueRuleKind
    n: int | None = Field(default=None, ge=1, le=366)
    text: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _short(cls, value: Any) -> Any:
        return _shorthand(
            "due rule",
            "rule",
            ("end_of_period", "after_each_event"),
            ("day_of_following_month", "days_after_period_end"),
        )(value)

    @model_validator(mode="after")
    def _n(self) -> DueRule:
        counted = self.rule in (DueRuleKind.day_of_following_month, DueRuleKind.days_after_period_end)
        if counted and self.n is None:
            raise ValueError(f"'{self.rule.value}' needs a number, e.g. {{{self.rule.value}: 10}}")
        if not counted and self.n is not None:
            raise ValueError(f"'{self.rule.value}' takes no number")
        if self.rule == DueRuleKind.day_of_following_month and (self.n or 0) > 28:
            raise ValueError("day_of_following_month must be 1–28 so that every month has it")
        return self


class ReportSpec(_Model):
    name: Text
    due: DueRule
    signed_by: list[Signer] = Field(default_factory=list)
    copies: int | None = Field(default=None, ge=1)


class Inspection(_Model):
    """A recurring inspection (巡检)."""

    code: Code
    name: Text
    cadence: Cadence
    mode: InspectionMode
    checklist: list[Text] = Field(default_factory=list)
    report: ReportSpec | None = None
    service_term: int | None = None
    text: str | None = None
    note: str | None = None


class Deliverable(_Model):
    """A document the contract requires per period (交付物)."""

    code: Code
    name: Text
    period: DeliverablePeriod
    due: DueRule | None = None
    signed_by: list[Signer] = Field(default_factory=list)
    if_any: bool = False
    """The seed says 如有: only due when the period had such activity."""
    text: str | None = None
    note: str | None = None


class ServiceReport(_Model):
    """A signed report after every service (每次服务后的服务报告/维护单)."""

    name: Text
    copies: int | None = Field(default=None, ge=1)
    signed_by: list[Signer] = Field(min_length=1)
    text: str | None = None


class Residency(_Model):
    """Resident engineers (驻场工程师)."""

    min_count: int = Field(ge=1)
    min_experience_years: int | None = Field(default=None, ge=0)
    qualification: str | None = None
    calendar: Code
    leave_requires_approval: bool = True
    hospital_evaluates: bool = False
    hospital_may_replace: bool = False
    replacement_requires_consent: bool = False
    overtime_when_urgent: bool = False
    duties: list[Text] = Field(default_factory=list)
    text: str | None = None
    note: str | None = None


class Obligation(_Model):
    """Any other duty the seed states (节假日保障, 应急预案, 培训, 备份, 等保, ...)."""

    code: Code
    kind: ObligationKind
    name: Text
    cadence: Cadence | None = None
    notice: DurationText | None = None
    """How far in advance the triggering party gives notice (e.g. ``5wd``)."""
    record: str | None = None
    """The record or document this duty produces (应急报告, 培训记录, ...)."""
    mlps_level: int | None = Field(default=None, ge=1, le=5)
    """网络安全等级保护 level, for kind ``security``."""
    text: Text
    note: str | None = None

    @model_validator(mode="after")
    def _level(self) -> Obligation:
        if self.mlps_level is not None and self.kind != ObligationKind.security:
            raise ValueError("'mlps_level' (等保等级) only applies to kind 'security'")
        return self


class Obligations(_Model):
    inspections: list[Inspection] = Field(default_factory=list)
    deliverables: list[Deliverable] = Field(default_factory=list)
    service_report: ServiceReport | None = None
    residency: Residency | None = None
    items: list[Obligation] = Field(default_factory=list)
