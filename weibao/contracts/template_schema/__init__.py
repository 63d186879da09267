"""The contract template format: what a maintenance contract (维保合同) promises, as data.

A template is a YAML document (see ``docs/contract-templates.md``) validated by the models in
this module. Everything later code computes — ticket deadlines, inspection due dates,
deliverables, assessment grades, deductions and payments — is read from a
:class:`ContractTemplate`, so the vocabulary here is deliberately small, closed and documented:

* unknown keys are errors (``extra="forbid"``);
* codes are unique within their list;
* every calendar, severity, deliverable, assessment, system or service-term reference must
  resolve;
* durations follow :mod:`weibao.calendars.durations`; money is ``Decimal`` yuan; percents are
  0–100 and payment milestones given as shares must add up to exactly 100 %.

This module is pure Python (pydantic 2, no Django). Loading from YAML with line-located errors
lives in :mod:`weibao.contracts.template_loader`.
"""

from __future__ import annotations

from .assessments import Assessment, Deduction, Evaluation, Grade, Grading, Sampling
from .calendars import BUILTIN_CALENDARS, CalendarDef, OpeningPeriod
from .checks import Loc as Loc
from .checks import reference_issues
from .inventory import Interface, Inventory, MaintainedSystem, Module
from .obligations import (
    Cadence,
    Deliverable,
    DueRule,
    Inspection,
    Obligation,
    Obligations,
    ReportSpec,
    Residency,
    ServiceReport,
)
from .payments import PaymentMilestone, Renewal, Subsystem
from .scalars import Code as Code
from .scalars import DurationText as DurationText
from .scalars import FractionText as FractionText
from .scalars import Money as Money
from .scalars import Percent as Percent
from .scalars import Text as Text
from .scalars import TimeText as TimeText
from .targets import Escalation, Target
from .template import ContractTemplate, Source
from .terms import ClockRule, ClockRules, Contact, ServiceTerm, ServiceWindow, Severity, SupportLine
from .vocabulary import (
    AssessmentPeriod,
    CadenceKind,
    Category,
    Channel,
    DayRule,
    DeductionBase,
    DeductionKind,
    DeliverablePeriod,
    Direction,
    DueRuleKind,
    InspectionMode,
    ObligationKind,
    OnFailure,
    Party,
    Payer,
    PaymentTrigger,
    Protocol,
    Signer,
    SystemKind,
    TicketState,
    Weekday,
)

__all__ = [
    "BUILTIN_CALENDARS",
    "Assessment",
    "AssessmentPeriod",
    "Cadence",
    "CadenceKind",
    "CalendarDef",
    "Category",
    "Channel",
    "ClockRule",
    "ClockRules",
    "Contact",
    "ContractTemplate",
    "DayRule",
    "Deduction",
    "DeductionBase",
    "DeductionKind",
    "Deliverable",
    "DeliverablePeriod",
    "Direction",
    "DueRule",
    "DueRuleKind",
    "Escalation",
    "Evaluation",
    "Grade",
    "Grading",
    "Inspection",
    "InspectionMode",
    "Interface",
    "Inventory",
    "MaintainedSystem",
    "Module",
    "Obligation",
    "ObligationKind",
    "Obligations",
    "OnFailure",
    "OpeningPeriod",
    "Party",
    "Payer",
    "PaymentMilestone",
    "PaymentTrigger",
    "Protocol",
    "Renewal",
    "ReportSpec",
    "Residency",
    "Sampling",
    "ServiceReport",
    "ServiceTerm",
    "ServiceWindow",
    "Severity",
    "Signer",
    "Source",
    "Subsystem",
    "SupportLine",
    "SystemKind",
    "Target",
    "TicketState",
    "Weekday",
    "reference_issues",
]
