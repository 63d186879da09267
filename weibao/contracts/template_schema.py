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

import re
from collections import Counter
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from itertools import pairwise
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    model_validator,
)

from weibao.calendars.durations import Duration, DurationError, parse_duration

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
    "ServiceReport",
    "ServiceTerm",
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


# --------------------------------------------------------------------------------------------
# Vocabularies (closed sets, each member with its Chinese label)
# --------------------------------------------------------------------------------------------


class _Labelled(StrEnum):
    """A string enum whose members also carry a Chinese ``label``."""

    label: str

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


class Category(_Labelled):
    """Category of a service term (服务项目类别); a ticket is of one category."""

    consulting = "consulting", "咨询服务"
    fault = "fault", "故障排除"
    change_request = "change_request", "需求变更"
    routine_maintenance = "routine_maintenance", "日常维护"
    data_recovery = "data_recovery", "数据恢复"
    data_adjustment = "data_adjustment", "数据调整"
    special_disaster = "special_disaster", "特殊服务/灾难"
    emergency = "emergency", "紧急情况"
    management_training = "management_training", "管理培训/系统培训"
    maintenance_training = "maintenance_training", "维护培训"
    inspection = "inspection", "巡检服务"
    hotline = "hotline", "热线服务"
    qa = "qa", "问题解答"
    interface_change = "interface_change", "接口改造"
    security_fix = "security_fix", "安全漏洞修复"
    report_maintenance = "report_maintenance", "报表维护"
    other = "other", "其他服务"


class Channel(_Labelled):
    """How a service is delivered (服务方式)."""

    phone = "phone", "电话"
    email = "email", "电子邮件"
    fax = "fax", "传真"
    remote_desktop = "remote_desktop", "远程桌面/网络远程"
    bastion_host = "bastion_host", "医院堡垒机"
    qq = "qq", "QQ"
    wechat = "wechat", "微信"
    onsite = "onsite", "现场"


class TicketState(_Labelled):
    """Ticket states a clock rule may name."""

    new = "new", "新建"
    responded = "responded", "已响应"
    in_progress = "in_progress", "处理中"
    onsite_required = "onsite_required", "需到场"
    onsite = "onsite", "已到场"
    resolved = "resolved", "已解决"
    closed = "closed", "已关闭"
    on_hold = "on_hold", "挂起"
    waiting_hospital = "waiting_hospital", "等待医院"
    reopened = "reopened", "重新打开"
    cancelled = "cancelled", "已取消"


class DayRule(_Labelled):
    every_day = "every_day", "每天（含节假日）"
    statutory_workdays = "statutory_workdays", "法定工作日"


class Weekday(_Labelled):
    mon = "mon", "周一"
    tue = "tue", "周二"
    wed = "wed", "周三"
    thu = "thu", "周四"
    fri = "fri", "周五"
    sat = "sat", "周六"
    sun = "sun", "周日"


class Party(_Labelled):
    vendor = "vendor", "服务商（乙方）"
    hospital = "hospital", "医院/采购人（甲方）"
    supervisor = "supervisor", "监理"
    auditor = "auditor", "审计"


class Signer(_Labelled):
    """Who signs or countersigns a document."""

    vendor = "vendor", "服务商（乙方）"
    hospital = "hospital", "医院/用户（甲方）"
    hospital_it = "hospital_it", "信息科/信息中心"
    department = "department", "使用科室"
    supervisor = "supervisor", "监理单位"
    auditor = "auditor", "审计单位"


class CadenceKind(_Labelled):
    monthly = "monthly", "每月"
    quarterly = "quarterly", "每季度"
    half_yearly = "half_yearly", "每半年"
    yearly = "yearly", "每年"
    times_per_year = "times_per_year", "每年N次"
    every_n_months = "every_n_months", "每N个月"


class DueRuleKind(_Labelled):
    end_of_period = "end_of_period", "本期末"
    day_of_following_month = "day_of_following_month", "次月N日前"
    days_after_period_end = "days_after_period_end", "期末后N天内"
    after_each_event = "after_each_event", "每次结束后"


class InspectionMode(_Labelled):
    onsite = "onsite", "现场"
    remote = "remote", "远程"
    both = "both", "现场或远程"


class DeliverablePeriod(_Labelled):
    month = "month", "每月"
    quarter = "quarter", "每季度"
    half_year = "half_year", "每半年"
    year = "year", "每年"
    per_event = "per_event", "每次"
    on_request = "on_request", "按要求"


class ObligationKind(_Labelled):
    holiday_duty = "holiday_duty", "节假日保障"
    emergency_plan = "emergency_plan", "应急预案"
    emergency_report = "emergency_report", "应急报告"
    training = "training", "培训"
    backup = "backup", "数据备份"
    restore_test = "restore_test", "数据恢复测试"
    monitoring = "monitoring", "系统监控/远程监测"
    security = "security", "网络安全/等级保护"
    confidentiality = "confidentiality", "保密"
    maintenance_plan = "maintenance_plan", "检查和维护方案"
    adaptation = "adaptation", "适应性/完善性调整"
    optimisation = "optimisation", "系统分析与调优"
    upgrade = "upgrade", "系统升级"
    switchover = "switchover", "新老系统切换"
    feedback = "feedback", "用户反馈收集"
    major_support = "major_support", "重大维护保障配合"
    documentation = "documentation", "维护文档/档案"
    problem_review = "problem_review", "问题登记与讨论整改"
    staffing = "staffing", "人员与资质"
    compliance = "compliance", "合规"
    other = "other", "其他"


class AssessmentPeriod(_Labelled):
    quarter = "quarter", "季度"
    half_year = "half_year", "半年"
    year = "year", "年度"


class OnFailure(_Labelled):
    rectify_then_reassess = "rectify_then_reassess", "整改合格后再考核，付款顺延"
    per_supervisor_and_audit = "per_supervisor_and_audit", "按监理和审计出具报告执行"
    deduct = "deduct", "按扣款规则扣款"


class DeductionKind(_Labelled):
    late_response = "late_response", "响应超时扣款"
    vendor_fault = "vendor_fault", "乙方原因故障扣款"
    failed_period = "failed_period", "考核不合格扣除当期费用"
    breach_penalty = "breach_penalty", "违约金"


class DeductionBase(_Labelled):
    contract_amount = "contract_amount", "合同总额"
    subsystem_amount = "subsystem_amount", "子系统合同金额"
    period_fee = "period_fee", "当期维保费用"


class Payer(_Labelled):
    vendor = "vendor", "乙方"
    either_party = "either_party", "违约方"


class PaymentTrigger(_Labelled):
    on_signing = "on_signing", "合同签订后"
    after_assessment_passed = "after_assessment_passed", "考核合格后"
    after_report_accepted = "after_report_accepted", "报告验收后"
    after_acceptance = "after_acceptance", "验收后"
    at_end = "at_end", "服务期满后"
    at_end_after_audit = "at_end_after_audit", "服务期满经审计后"


class SystemKind(StrEnum):
    PACS = "PACS"
    HIS = "HIS"
    DRG = "DRG"
    EMR = "EMR"
    LIS = "LIS"
    platform = "platform"
    other = "other"


class Protocol(_Labelled):
    hl7v2_mllp = "hl7v2_mllp", "HL7 v2 (MLLP)"
    dicom = "dicom", "DICOM"
    webservice_soap = "webservice_soap", "WebService (SOAP)"
    http_json = "http_json", "HTTP/JSON"
    db_view = "db_view", "数据库视图"
    file = "file", "文件"
    other = "other", "其他"


class Direction(_Labelled):
    outbound = "outbound", "本系统 → 对方"
    inbound = "inbound", "对方 → 本系统"
    both = "both", "双向"


# --------------------------------------------------------------------------------------------
# Scalar types
# --------------------------------------------------------------------------------------------

_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_TIME_RE = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
_FRACTION_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def _check_code(value: str) -> str:
    if not _CODE_RE.match(value):
        raise ValueError(
            f"{value!r} is not a valid code: use lowercase letters, digits, '-', '_' or '.', "
            "starting with a letter or digit (at most 64 characters)"
        )
    return value


def _check_duration(value: Any) -> str:
    try:
        parse_duration(value)
    except DurationError as exc:
        raise ValueError(str(exc)) from None
    return value.strip()


def _check_time(value: Any) -> str:
    if not isinstance(value, str) or not _TIME_RE.match(value) or (value > "24:00"):
        raise ValueError(f"time must be 'HH:MM' between 00:00 and 24:00 (quote it in YAML), not {value!r}")
    return value


def _check_fraction(value: Any) -> str:
    match = _FRACTION_RE.match(value) if isinstance(value, str) else None
    if not match or int(match.group(2)) == 0 or int(match.group(1)) > int(match.group(2)):
        raise ValueError(f"fraction must look like '1/6' (between 0 and 1), not {value!r}")
    return f"{int(match.group(1))}/{int(match.group(2))}"


Code = Annotated[str, AfterValidator(_check_code)]
DurationText = Annotated[str, BeforeValidator(_check_duration)]
TimeText = Annotated[str, BeforeValidator(_check_time)]
FractionText = Annotated[str, BeforeValidator(_check_fraction)]
Money = Annotated[Decimal, Field(ge=0, decimal_places=2)]
Percent = Annotated[Decimal, Field(ge=0, le=100)]
Text = Annotated[str, Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=False)


# --------------------------------------------------------------------------------------------
# Calendars
# --------------------------------------------------------------------------------------------


class OpeningPeriod(_Model):
    """One opening period of a calendar day, e.g. 08:00–12:00."""

    start: TimeText
    end: TimeText
    weekdays: list[Weekday] | None = None
    """Restrict to these weekdays (default: every open day). A statutory make-up workday (调休)
    uses the periods that apply to Monday."""

    @model_validator(mode="after")
    def _ordered(self) -> OpeningPeriod:
        if self.start >= self.end:
            raise ValueError(f"start {self.start} must be before end {self.end}")
        return self


class CalendarDef(_Model):
    """A working calendar (工作日历): which days are open and the opening hours of an open day."""

    code: Code
    name: Text
    day_rule: DayRule
    periods: list[OpeningPeriod] = Field(min_length=1)
    note: str | None = None

    @model_validator(mode="after")
    def _no_overlap(self) -> CalendarDef:
        for day in Weekday:
            spans = sorted((p.start, p.end) for p in self.periods if p.weekdays is None or day in p.weekdays)
            for (_, end), (start, _) in pairwise(spans):
                if start < end:
                    raise ValueError(f"opening periods overlap on {day.value} ({start} < {end})")
        return self

    def weekly(self) -> dict[int, list[tuple[str, str]]]:
        """Opening periods by weekday (0 = Monday … 6 = Sunday), the shape the calendar engine takes.

        For ``statutory_workdays`` only Monday–Friday are listed: the statutory data decides which
        dates are open, and a make-up workday (调休) on a weekend works Monday's hours.
        """
        days = list(Weekday) if self.day_rule == DayRule.every_day else list(Weekday)[:5]
        out: dict[int, list[tuple[str, str]]] = {}
        for index, day in enumerate(days):
            spans = sorted((p.start, p.end) for p in self.periods if p.weekdays is None or day in p.weekdays)
            if spans:
                out[index] = spans
        return out


_WORKDAY_PERIODS = [OpeningPeriod(start="08:00", end="12:00"), OpeningPeriod(start="14:00", end="18:00")]

BUILTIN_CALENDARS: dict[str, CalendarDef] = {
    "7x24": CalendarDef(
        code="7x24",
        name="7×24小时（全天候）",
        day_rule=DayRule.every_day,
        periods=[OpeningPeriod(start="00:00", end="24:00")],
    ),
    "7x8": CalendarDef(
        code="7x8",
        name="7×8小时（每天含节假日 08:00–12:00、14:00–18:00）",
        day_rule=DayRule.every_day,
        periods=_WORKDAY_PERIODS,
    ),
    "5x8": CalendarDef(
        code="5x8",
        name="5×8小时（法定工作日 08:00–12:00、14:00–18:00）",
        day_rule=DayRule.statutory_workdays,
        periods=_WORKDAY_PERIODS,
    ),
}


# --------------------------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------------------------


class Target(_Model):
    """A promise on one clock: ``within: 4h``, ``immediate: true`` or ``workday_appointment: true``,
    always with the ``calendar`` the clock runs on."""

    within: DurationText | None = None
    immediate: bool = False
    workday_appointment: bool = False
    calendar: Code
    text: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Target:
        given = (self.within is not None) + self.immediate + self.workday_appointment
        if given != 1:
            raise ValueError(
                "a target needs exactly one of 'within: <duration>', 'immediate: true' or "
                "'workday_appointment: true'"
            )
        if self.within is not None and parse_duration(self.within) == Duration():
            raise ValueError("a zero duration is not a target; write 'immediate: true' instead")
        return self

    @property
    def kind(self) -> str:
        if self.within is not None:
            return "within"
        return "immediate" if self.immediate else "workday_appointment"

    @property
    def duration(self) -> Duration | None:
        return parse_duration(self.within) if self.within is not None else None

    def compact(self) -> str:
        """``1h@7x24``, ``immediate@7x24``, ``appointment@5x8``."""
        head = {"within": self.within, "immediate": "immediate"}.get(self.kind, "appointment")
        return f"{head}@{self.calendar}"


class Escalation(_Model):
    """ "If phone/remote cannot solve it, on site within N": the on-site clock that starts when a
    ticket is escalated to on-site (state ``onsite_required``). Without ``within``/``immediate``
    the contract promises on-site service without a deadline."""

    within: DurationText | None = None
    immediate: bool = False
    calendar: Code | None = None
    text: str | None = None

    @model_validator(mode="after")
    def _timing(self) -> Escalation:
        timed = (self.within is not None) + self.immediate
        if timed > 1:
            raise ValueError("say either 'within: <duration>' or 'immediate: true', not both")
        if timed and self.calendar is None:
            raise ValueError("a timed escalation needs a 'calendar'")
        if not timed and self.calendar is not None:
            raise ValueError("'calendar' is given but no 'within' or 'immediate' deadline")
        if not timed and not self.text:
            raise ValueError("an escalation without a deadline must quote the seed in 'text'")
        return self

    @property
    def timed(self) -> bool:
        return self.within is not None or self.immediate

    def compact(self) -> str | None:
        if not self.timed:
            return None
        return f"{self.within or 'immediate'}@{self.calendar}"


_CLOCKS = ("response", "onsite", "resolution")


class ServiceTerm(_Model):
    """One row of the seed's service table (服务项目)."""

    number: int = Field(ge=1)
    mark: str | None = Field(default=None, pattern=r"^[▲★]$")
    group: str | None = None
    ref: str | None = None
    category: Category
    item: Text
    content: Text
    mode_text: str | None = None
    response_text: str | None = None
    remark: str | None = None
    detail: str | None = None
    """The seed's fuller wording of this row elsewhere in the document (具体维护内容 ...)."""
    channels: list[Channel] = Field(default_factory=list)
    response: Target | None = None
    onsite: Target | None = None
    resolution: Target | None = None
    escalate_onsite: Escalation | None = None
    separately_paid: bool = False
    note: str | None = None


class Severity(_Model):
    """A fault class (故障等级) with its own targets."""

    code: Code
    label: Text
    definition: Text
    response: Target | None = None
    onsite: Target | None = None
    resolution: Target | None = None
    escalate_onsite: Escalation | None = None
    remedy: str | None = None
    text: str | None = None
    note: str | None = None


# --------------------------------------------------------------------------------------------
# Clock rules, support lines, contacts
# --------------------------------------------------------------------------------------------


class ClockRule(_Model):
    paused_in: list[TicketState] = Field(default_factory=list)
    text: str | None = None

    @model_validator(mode="after")
    def _sane(self) -> ClockRule:
        dup = [s.value for s, n in Counter(self.paused_in).items() if n > 1]
        if dup:
            raise ValueError(f"state listed twice: {', '.join(dup)}")
        bad = {TicketState.new, TicketState.resolved, TicketState.closed, TicketState.cancelled}
        wrong = [s.value for s in self.paused_in if s in bad]
        if wrong:
            raise ValueError(
                f"a clock cannot pause in {', '.join(wrong)}: it starts in 'new' and has stopped by "
                "'resolved', 'closed' or 'cancelled'"
            )
        return self


class ClockRules(_Model):
    """In which ticket states each clock pauses (a clock runs in every other open state)."""

    response: ClockRule = Field(default_factory=ClockRule)
    onsite: ClockRule = Field(default_factory=lambda: ClockRule(paused_in=[TicketState.waiting_hospital]))
    resolution: ClockRule = Field(default_factory=lambda: ClockRule(paused_in=[TicketState.waiting_hospital]))
    text: str | None = None


class SupportLine(_Model):
    code: Code
    name: Text
    calendar: Code
    channels: list[Channel] = Field(min_length=1)
    scope: str | None = None
    text: str | None = None


class Contact(_Model):
    """A role the seed names; names and numbers are filled in when the contract is signed."""

    code: Code
    role: Text
    party: Party
    escalation_level: int | None = Field(default=None, ge=1)
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    text: str | None = None


# --------------------------------------------------------------------------------------------
# Obligations
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Assessment, deductions, payments
# --------------------------------------------------------------------------------------------


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
            DeductionKind.late_response: {"percent", "threshold", "clock", "calendar", "cap_percent"},
            DeductionKind.vendor_fault: {"by_severity", "cap_percent"},
            DeductionKind.failed_period: {"percent", "terminates_contract"},
            DeductionKind.breach_penalty: {"percent", "every", "cap_percent"},
        }[self.kind]
        missing = [f for f in need[self.kind] if getattr(self, f) is None]
        if missing:
            raise ValueError(f"a {self.kind.value} rule needs {', '.join(missing)}")
        optional = ("percent", "by_severity", "threshold", "clock", "calendar", "every", "cap_percent")
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
    deductions: list[Deduction] = Field(default_factory=list)
    on_failure: OnFailure | None = None
    text: str | None = None
    note: str | None = None

    @property
    def period_months(self) -> int:
        return {"quarter": 3, "half_year": 6, "year": 12}[self.period.value]


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


# --------------------------------------------------------------------------------------------
# Inventory
# --------------------------------------------------------------------------------------------


class Module(_Model):
    name: Text
    code: Code | None = None
    group: str | None = None
    description: str | None = None


class MaintainedSystem(_Model):
    code: Code
    name: Text
    kind: SystemKind
    campuses: list[Text] = Field(default_factory=list)
    departments: list[Text] = Field(default_factory=list)
    workstations: list[Text] = Field(default_factory=list)
    description: str | None = None
    modules: list[Module] = Field(default_factory=list)
    note: str | None = None


class Interface(_Model):
    code: Code
    name: Text
    system: Code
    module: str | None = None
    peer: Text
    direction: Direction
    protocol: Protocol
    text: str | None = None
    note: str | None = None


class Inventory(_Model):
    systems: list[MaintainedSystem] = Field(default_factory=list)
    interfaces: list[Interface] = Field(default_factory=list)


# --------------------------------------------------------------------------------------------
# The template
# --------------------------------------------------------------------------------------------


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


Loc = tuple[str | int, ...]


# --------------------------------------------------------------------------------------------
# Cross-reference checks on plain data
#
# They work on the plain (YAML-loaded) data rather than on validated models so that the loader
# can report them together with structural errors; anything of the wrong shape is skipped
# (the structural validation reports it).
# --------------------------------------------------------------------------------------------


def _get(data: Any, *keys: str | int) -> Any:
    for key in keys:
        if isinstance(key, int):
            data = data[key] if isinstance(data, list) and 0 <= key < len(data) else None
        else:
            data = data.get(key) if isinstance(data, dict) else None
    return data


def _rows(data: Any, *keys: str | int) -> list[tuple[int, dict[str, Any]]]:
    value = _get(data, *keys)
    if not isinstance(value, list):
        return []
    return [(i, row) for i, row in enumerate(value) if isinstance(row, dict)]


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


_UNREADABLE: Any = object()


def _share(row: dict[str, Any]) -> Any:
    """A milestone's share of the contract (a Fraction); ``None`` for a fixed amount;
    ``_UNREADABLE`` when the row is malformed (the structural validation reports it)."""
    percent = _decimal(row.get("percent"))
    if percent is not None:
        return Fraction(percent) / 100
    fraction = row.get("fraction")
    match = _FRACTION_RE.match(fraction) if isinstance(fraction, str) else None
    if match and int(match.group(2)):
        return Fraction(int(match.group(1)), int(match.group(2)))
    if _decimal(row.get("amount")) is not None:
        return None
    return _UNREADABLE


_PERIOD_MONTHS = {"quarter": 3, "half_year": 6, "year": 12}


def reference_issues(data: dict[str, Any]) -> list[tuple[Loc, str]]:
    """Cross-reference problems in template data (a dict as loaded from YAML or dumped)."""
    out: list[tuple[Loc, str]] = []

    def unique(where: Loc, key: str, what: str) -> None:
        seen: dict[Any, int] = {}
        for i, row in _rows(data, *where):
            value = row.get(key)
            if value is None or isinstance(value, (dict, list)):
                continue
            if value in seen:
                out.append(
                    ((*where, i, key), f"duplicate {what} {value!r} (first used in entry [{seen[value]}])")
                )
            else:
                seen[value] = i

    unique(("calendars",), "code", "calendar code")
    unique(("support_lines",), "code", "support line code")
    unique(("contacts",), "code", "contact code")
    unique(("service_terms",), "number", "term number")
    unique(("severities",), "code", "severity code")
    unique(("obligations", "inspections"), "code", "inspection code")
    unique(("obligations", "deliverables"), "code", "deliverable code")
    unique(("obligations", "items"), "code", "obligation code")
    unique(("assessments",), "code", "assessment code")
    unique(("penalties",), "code", "penalty code")
    unique(("payment_milestones",), "code", "milestone code")
    unique(("subsystems",), "code", "subsystem code")
    unique(("inventory", "systems"), "code", "system code")
    unique(("inventory", "interfaces"), "code", "interface code")
    for i, _ in _rows(data, "inventory", "systems"):
        unique(("inventory", "systems", i, "modules"), "name", "module name")
        unique(("inventory", "systems", i, "modules"), "code", "module code")
    for i, _ in _rows(data, "assessments"):
        unique(("assessments", i, "deductions"), "code", "deduction code")

    # calendars
    declared = [c for _, row in _rows(data, "calendars") if (c := _str(row.get("code")))]
    known = [*BUILTIN_CALENDARS, *(c for c in declared if c not in BUILTIN_CALENDARS)]
    for i, row in _rows(data, "calendars"):
        if row.get("code") in BUILTIN_CALENDARS:
            out.append(
                (("calendars", i, "code"), f"{row['code']!r} is a built-in calendar; pick another code")
            )

    def cal_ref(code: Any, loc: Loc) -> None:
        if isinstance(code, str) and code not in known:
            out.append((loc, f"unknown calendar {code!r} (known: {', '.join(known)})"))

    for i, row in _rows(data, "support_lines"):
        cal_ref(row.get("calendar"), ("support_lines", i, "calendar"))
    for where in ("service_terms", "severities"):
        for i, row in _rows(data, where):
            for clock in (*_CLOCKS, "escalate_onsite"):
                cal_ref(_get(row, clock, "calendar"), (where, i, clock, "calendar"))
    cal_ref(_get(data, "obligations", "residency", "calendar"), ("obligations", "residency", "calendar"))
    for i, assessment in _rows(data, "assessments"):
        for j, rule in _rows(assessment, "deductions"):
            cal_ref(rule.get("calendar"), ("assessments", i, "deductions", j, "calendar"))

    # channels
    offered = data.get("channels")
    # Only when the template's own channel list is valid (otherwise that is the error to fix).
    if isinstance(offered, list) and all(isinstance(c, str) and c in Channel.__members__ for c in offered):
        for where in ("service_terms", "support_lines"):
            for i, row in _rows(data, where):
                for j, channel in enumerate(row.get("channels") or []):
                    if isinstance(channel, str) and channel in Channel.__members__ and channel not in offered:
                        out.append(
                            (
                                (where, i, "channels", j),
                                f"channel {channel!r} is not in the template's channels ({', '.join(offered)})",
                            )
                        )

    # inspections → service terms
    numbers = [row.get("number") for _, row in _rows(data, "service_terms")]
    for i, row in _rows(data, "obligations", "inspections"):
        number = row.get("service_term")
        if isinstance(number, int) and number not in numbers:
            out.append(
                (("obligations", "inspections", i, "service_term"), f"no service term number {number}")
            )

    # assessments and deductions
    deliverables = [
        c for _, row in _rows(data, "obligations", "deliverables") if (c := _str(row.get("code")))
    ]
    severities = [c for _, row in _rows(data, "severities") if (c := _str(row.get("code")))]
    has_subsystems = bool(_rows(data, "subsystems"))
    for i, assessment in _rows(data, "assessments"):
        for j, code in enumerate(_get(assessment, "requires_deliverables") or []):
            if isinstance(code, str) and code not in deliverables:
                out.append(
                    (
                        ("assessments", i, "requires_deliverables", j),
                        f"unknown deliverable {code!r} (known: {', '.join(deliverables) or 'none'})",
                    )
                )
        for j, rule in _rows(assessment, "deductions"):
            loc: Loc = ("assessments", i, "deductions", j)
            if rule.get("kind") == "breach_penalty":
                out.append(((*loc, "kind"), "a breach_penalty (违约金) belongs under 'penalties'"))
            if rule.get("kind") == "failed_period" and assessment.get("on_failure") not in (None, "deduct"):
                out.append(
                    ((*loc, "kind"), "a failed_period deduction needs the assessment's on_failure 'deduct'")
                )
            by_severity = rule.get("by_severity")
            for severity in by_severity if isinstance(by_severity, dict) else {}:
                if severity not in severities:
                    out.append(
                        (
                            (*loc, "by_severity", severity),
                            f"unknown severity {severity!r} (known: {', '.join(severities) or 'none'})",
                        )
                    )
            if rule.get("base") == "subsystem_amount" and not has_subsystems:
                out.append(((*loc, "base"), "base 'subsystem_amount' needs the template's 'subsystems'"))
    for i, rule in _rows(data, "penalties"):
        kind = rule.get("kind")
        if isinstance(kind, str) and kind in DeductionKind.__members__ and kind != "breach_penalty":
            out.append(
                (("penalties", i, "kind"), f"a {kind} rule belongs under an assessment's 'deductions'")
            )

    # payments
    period_months = data.get("period_months") if isinstance(data.get("period_months"), int) else None
    assessments = {
        code: row.get("period") for _, row in _rows(data, "assessments") if (code := _str(row.get("code")))
    }
    for i, row in _rows(data, "payment_milestones"):
        code = row.get("assessment")
        if not isinstance(code, str):
            continue
        if code not in assessments:
            out.append(
                (
                    ("payment_milestones", i, "assessment"),
                    f"unknown assessment {code!r} (known: {', '.join(assessments) or 'none'})",
                )
            )
            continue
        period_name = assessments[code]
        months = _PERIOD_MONTHS.get(period_name) if isinstance(period_name, str) else None
        if not months or not period_months:
            continue
        count = -(-period_months // months)
        periods = row.get("periods")
        for j, period in enumerate(periods if isinstance(periods, list) else []):
            if isinstance(period, int) and not 1 <= period <= count:
                out.append(
                    (
                        ("payment_milestones", i, "periods", j),
                        f"period {period} does not exist: a {period_months}-month contract has {count} "
                        f"'{period_name}' periods (1–{count})",
                    )
                )
    milestones = _rows(data, "payment_milestones")
    shares = [_share(row) for _, row in milestones]
    amount = _decimal(data.get("amount"))
    if milestones and not any(s is _UNREADABLE for s in shares):
        if all(isinstance(s, Fraction) for s in shares):
            total = sum(shares, Fraction(0))
            if total != 1:
                out.append(
                    (("payment_milestones",), f"payment shares add up to {_percent(total)} %, not 100 %")
                )
        elif amount is not None:
            total_amount = sum(
                (
                    _decimal(row.get("amount")) or Decimal(0)
                    if share is None
                    else (amount * share.numerator / share.denominator).quantize(Decimal("0.01"))
                    for (_, row), share in zip(milestones, shares, strict=True)
                ),
                Decimal(0),
            )
            if total_amount != amount:
                out.append(
                    (
                        ("payment_milestones",),
                        f"payments add up to {total_amount} yuan, not the contract amount {amount}",
                    )
                )

    # subsystems, renewal
    systems = {c: row for _, row in _rows(data, "inventory", "systems") if (c := _str(row.get("code")))}
    for i, row in _rows(data, "subsystems"):
        code = row.get("system")
        if isinstance(code, str) and code not in systems:
            out.append(
                (
                    ("subsystems", i, "system"),
                    f"unknown system {code!r} (known: {', '.join(systems) or 'none'})",
                )
            )
    share_total = sum(
        (_decimal(row.get("share_percent")) or Decimal(0) for _, row in _rows(data, "subsystems")), Decimal(0)
    )
    if share_total > 100:
        out.append((("subsystems",), f"subsystem shares add up to {share_total} %, more than 100 %"))
    fixed_total = sum(
        (_decimal(row.get("amount")) or Decimal(0) for _, row in _rows(data, "subsystems")), Decimal(0)
    )
    if amount is not None and fixed_total > amount:
        out.append(
            (("subsystems",), f"subsystem amounts add up to {fixed_total}, more than the contract amount")
        )
    renewal_assessment = _get(data, "renewal", "assessment")
    if isinstance(renewal_assessment, str) and renewal_assessment not in assessments:
        out.append(
            (
                ("renewal", "assessment"),
                f"unknown assessment {renewal_assessment!r} (known: {', '.join(assessments) or 'none'})",
            )
        )

    # interfaces
    for i, row in _rows(data, "inventory", "interfaces"):
        code = row.get("system")
        if not isinstance(code, str):
            continue
        if code not in systems:
            out.append(
                (
                    ("inventory", "interfaces", i, "system"),
                    f"unknown system {code!r} (known: {', '.join(systems) or 'none'})",
                )
            )
            continue
        module = row.get("module")
        names = [m.get("name") for _, m in _rows(systems[code], "modules")]
        if isinstance(module, str) and module not in names:
            out.append(
                (("inventory", "interfaces", i, "module"), f"system {code!r} has no module named {module!r}")
            )
    return out


def _percent(share: Fraction) -> str:
    value = share * 100
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.4g}"


def _dotted(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
