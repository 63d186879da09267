"""API schemas of the service desk."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from weibao.core.api import Flag, Id, IsoDate, Version, decimal_type

from ..choices import (
    ChangeRequestState,
    ClockStatus,
    DataChangeKind,
    DataChangeState,
    TicketChannel,
    TicketState,
)
from ..workflow import TRANSITIONS


class ClockOut(Schema):
    kind: str
    status: ClockStatus
    target: dict
    calendar: str
    due_at: datetime | None
    met_at: datetime | None
    breached_at: datetime | None
    elapsed: int
    target_seconds: int | None
    percent_used: float | None
    provisional: bool


class TicketOut(Schema):
    id: int
    number: str
    original_number: str = Field("", description="导入前的原工单号（历史导入的工单）")
    hospital_id: int
    contract_id: int
    term_id: int
    category: str
    severity_id: int | None
    system_id: int | None
    module_id: int | None
    interface_id: int | None
    department_id: int | None
    title: str
    description: str
    channel: str
    reporter_id: int | None
    caller_name: str
    caller_department: str
    caller_phone: str
    location: str
    assignee_id: int | None
    state: TicketState
    pending_action: str = Field(
        "", description="处理方待医院确认的申请：cancel、hold 或 wait_hospital（空：无）"
    )
    version: int
    created_at: datetime
    updated_at: datetime
    responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    solution: str
    root_cause: str
    rating: int | None
    rating_comment: str
    vendor_caused: bool
    adverse_event: bool
    next_due_at: datetime | None
    sla_breached: bool
    sla_provisional: bool
    clocks: list[ClockOut]


class EventOut(Schema):
    id: int
    at: datetime
    actor_id: int | None
    kind: str
    action: str
    from_state: str
    to_state: str
    clock_event: str
    body: str
    internal: bool


class TicketDetailOut(TicketOut):
    timeline: list[EventOut] = []
    available_actions: list[str] = Field([], description="当前用户可执行或可申请的操作（含 agree/refuse）")
    requested_actions: list[str] = Field([], description="其中只能申请、须医院同意的操作")
    pending_reason: str = ""


class TicketPage(Schema):
    items: list[TicketOut]
    next_cursor: str | None


class TicketIn(Schema):
    contract_id: Id | None = Field(
        None,
        description="可省略：按 system_id/module_id 找到覆盖该系统且在服务期内的合同；"
        "有多份可选时返回 409（code: contract_ambiguous，choices 列出系统与厂商）",
    )
    term_id: Id | None = Field(None, description="可省略：该合同的故障处理服务项目")
    title: str = Field(..., min_length=1, max_length=200)
    description: str = ""
    severity_id: Id | None = None
    system_id: Id | None = None
    module_id: Id | None = None
    interface_id: Id | None = None
    department_id: Id | None = None
    channel: TicketChannel = TicketChannel.API
    caller_name: str = Field("", max_length=64)
    caller_department: str = Field("", max_length=64)
    caller_phone: str = Field("", max_length=32)
    location: str = Field("", max_length=128)
    assignee_id: Id | None = None
    respond: Flag = Field(False, description="电话受理：创建即响应")


class TicketPatch(Schema):
    version: Version = Field(..., description="读取时的 version；被他人修改时返回 409")
    title: str = Field(None, min_length=1, max_length=200)
    description: str = Field(None)
    term_id: Id = Field(None)
    severity_id: Id | None = None
    system_id: Id | None = None
    module_id: Id | None = None
    interface_id: Id | None = None
    location: str = Field(None, max_length=128)
    assignee_id: Id | None = None


class TransitionIn(Schema):
    action: Literal[tuple(a for a in TRANSITIONS if a != "auto_close")]  # type: ignore[valid-type]
    version: Version | None = None
    reason: str = ""
    solution: str = ""
    root_cause: str = ""
    rating: int | None = Field(None, ge=1, le=5)
    comment: str = ""


class CommentIn(Schema):
    body: str = Field(..., min_length=1, max_length=10000)
    internal: Flag = False


class FlagIn(Schema):
    flag: Literal["vendor_caused", "adverse_event"]
    value: Flag = True
    reason: str = Field(..., min_length=1, max_length=2000)


class SeverityIn(Schema):
    severity_id: Id
    reason: str = Field("", max_length=2000)
    version: Version | None = None


class MoveIn(Schema):
    contract_id: Id = Field(..., description="转入的合同：本医院的、在报修时间处于服务期内的另一份合同")
    reason: str = Field(..., min_length=1, max_length=2000)
    version: Version | None = Field(None, description="读取时的 version；被他人修改时返回 409")


class WatchIn(Schema):
    watch: Flag = True


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    internal: bool


class ImportOut(Schema):
    created: list[str]
    errors: list[str]


class DataChangeOut(Schema):
    id: int
    contract_id: int
    ticket_id: int | None
    corrects_id: int | None
    kind: DataChangeKind
    state: DataChangeState
    system_id: int | None
    tables: str
    patient_ids_masked: str
    before: str
    after: str
    reason: str
    requested_by_id: int
    requested_at: datetime
    approved_by_id: int | None
    approved_at: datetime | None
    executed_by_id: int | None
    executed_at: datetime | None
    verified_by_id: int | None
    verified_at: datetime | None


class DataChangeIn(Schema):
    contract_id: Id
    kind: DataChangeKind
    reason: str = Field(..., min_length=1)
    patient_ids: list[str] = Field(default_factory=list)
    tables: str = Field("", max_length=500)
    before: str = ""
    after: str = ""
    system_id: Id | None = None
    ticket_id: Id | None = None
    corrects_id: Id | None = None


class DataChangePatch(Schema):
    reason: str = Field(None)
    tables: str = Field(None, max_length=500)
    before: str = Field(None)
    after: str = Field(None)
    patient_ids: list[str] = Field(None)


class DataChangeStepIn(Schema):
    step: Literal["approve", "reject", "execute", "verify"]
    note: str = ""


class ChangeRequestOut(Schema):
    id: int
    contract_id: int
    ticket_id: int | None
    system_id: int | None
    title: str
    requirement: str
    in_scope: bool
    assessment: str
    estimate_days: Decimal | None
    quote: Decimal | None
    state: ChangeRequestState
    requested_by_id: int
    requested_at: datetime
    approved_at: datetime | None
    deployed_on: date | None
    history: list[dict]


class ChangeRequestIn(Schema):
    contract_id: Id
    title: str = Field(..., min_length=1, max_length=200)
    requirement: str = Field(..., min_length=1)
    in_scope: Flag = True
    system_id: Id | None = None
    ticket_id: Id | None = None


class ChangeRequestStepIn(Schema):
    action: Literal["assess", "approve", "reject", "develop", "test", "deploy"]
    assessment: str = ""
    estimate_days: decimal_type(max_digits=7, decimal_places=1) | None = None  # type: ignore[valid-type]
    quote: decimal_type(max_digits=12, decimal_places=2) | None = None  # type: ignore[valid-type]
    in_scope: Flag | None = None
    deployed_on: IsoDate | None = None


class SavedFilterIn(Schema):
    name: str = Field(..., min_length=1, max_length=64)
    query: str = Field(..., max_length=1000)


class SavedFilterOut(Schema):
    id: int
    name: str
    query: str
