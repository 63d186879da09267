"""The template itself: :class:`ContractTemplate`, which holds every section."""

from __future__ import annotations

from pydantic import Field, ValidationInfo, model_validator

from .assessments import Assessment, Deduction
from .calendars import BUILTIN_CALENDARS, CalendarDef
from .checks import Loc, _dotted, reference_issues
from .inventory import Inventory
from .obligations import Obligations
from .payments import PaymentMilestone, Renewal, Subsystem
from .scalars import Code, Money, Text, _Model
from .terms import ClockRules, Contact, ServiceTerm, Severity, SupportLine
from .vocabulary import Channel


class Source(_Model):
    seed: Text
    buyer: Text
    project: Text
    campuses: list[Text] = Field(default_factory=list)
    budget_text: str | None = None
    summary: str | None = None


class ContractTemplate(_Model):
    """A contract template: a seed's terms as data."""

    code: Code
    title: Text
    source: Source
    period_months: int = Field(ge=1, le=120)
    amount: Money | None = None
    calendars: list[CalendarDef] = Field(default_factory=list)
    channels: list[Channel] = Field(min_length=1)
    support_lines: list[SupportLine] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)
    service_terms: list[ServiceTerm] = Field(min_length=1)
    severities: list[Severity] = Field(default_factory=list)
    clock_rules: ClockRules = Field(default_factory=ClockRules)
    obligations: Obligations = Field(default_factory=Obligations)
    assessments: list[Assessment] = Field(default_factory=list)
    penalties: list[Deduction] = Field(default_factory=list)
    payment_milestones: list[PaymentMilestone] = Field(default_factory=list)
    subsystems: list[Subsystem] = Field(default_factory=list)
    renewal: Renewal | None = None
    inventory: Inventory = Field(default_factory=Inventory)

    # -- convenience -------------------------------------------------------------------------

    def calendar(self, code: str) -> CalendarDef:
        """The built-in or declared calendar with this code."""
        for cal in self.calendars:
            if cal.code == code:
                return cal
        return BUILTIN_CALENDARS[code]

    def calendar_codes(self) -> list[str]:
        return [*BUILTIN_CALENDARS, *(c.code for c in self.calendars)]

    def term(self, number: int) -> ServiceTerm:
        return next(t for t in self.service_terms if t.number == number)

    def severity(self, code: str) -> Severity:
        return next(s for s in self.severities if s.code == code)

    def assessment(self, code: str) -> Assessment:
        return next(a for a in self.assessments if a.code == code)

    # -- cross-reference checks --------------------------------------------------------------

    @model_validator(mode="after")
    def _references(self, info: ValidationInfo) -> ContractTemplate:
        if isinstance(info.context, dict) and info.context.get("skip_references"):
            return self
        issues = self.reference_issues()
        if issues:
            raise ValueError("; ".join(f"{_dotted(loc)}: {msg}" for loc, msg in issues))
        return self

    def reference_issues(self) -> list[tuple[Loc, str]]:
        """Problems that span several places: ``[(location, message), ...]``."""
        return reference_issues(self.model_dump(mode="json"))
