"""API schemas of the contracts app."""

from datetime import date
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from weibao.accounts.permissions import sees_contract_money
from weibao.core.api import Flag, Id, IsoDate, Version, decimal_type

from ..models import (
    ContractStatus,
)
from ..models.inventory import EndpointKind
from ..template_schema import Category, Direction, Protocol, SystemKind

TargetData = dict[str, Any] | None


#: A contract's amount in yuan.
Amount = decimal_type(max_digits=14, decimal_places=2, positive=True)


class ContractOut(Schema):
    id: int
    code: str
    title: str
    hospital_id: int
    vendor_id: int
    start: date
    end: date
    amount: Decimal | None = Field(description="合同金额（元）；科室用户看不到（null）")
    status: ContractStatus = Field(..., description="所设状态（草稿、履行中、已终止…）")
    current_status: ContractStatus = Field(
        ..., description="今日状态：已签合同按日期为 未生效/履行中/已到期（Asia/Shanghai）"
    )
    current_status_label: str
    renewal_of_id: int | None
    template_code: str
    channels: list[str]
    support_lines: list[dict]
    contacts: list[dict]
    clock_rules: dict
    obligations: dict
    assessments: list[dict]
    subsystems: list[dict]
    renewal_rule: dict
    notes: str
    version: int

    @staticmethod
    def resolve_amount(obj: Any, context: dict[str, Any]) -> Decimal | None:
        return obj.amount if sees_contract_money(context["request"].user) else None

    @staticmethod
    def resolve_current_status_label(obj: Any) -> str:
        return str(obj.get_current_status_display())


class ContractIn(Schema):
    code: str = Field(..., min_length=2, max_length=48, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]+$")
    title: str = Field(..., min_length=2, max_length=200)
    hospital_id: Id
    vendor_id: Id
    start: IsoDate
    end: IsoDate
    amount: Amount
    status: ContractStatus = ContractStatus.DRAFT
    renewal_of_id: Id | None = None
    notes: str = ""


class FromTemplateIn(Schema):
    template: str = Field(..., min_length=1, max_length=48)
    hospital_id: Id
    vendor_id: Id
    start: IsoDate
    end: IsoDate | None = None
    amount: Amount | None = None
    code: str | None = Field(None, min_length=2, max_length=48, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]+$")
    title: str | None = Field(None, min_length=2, max_length=200)
    renewal_of_id: Id | None = None


class ContractPatch(Schema):
    title: str | None = Field(None, min_length=2, max_length=200)
    start: IsoDate | None = None
    end: IsoDate | None = None
    amount: Amount | None = None
    status: ContractStatus | None = None
    notes: str | None = None
    channels: list[str] | None = None
    version: Version | None = Field(None, description="乐观锁：提交读取时的 version，被他人修改时返回 409")


class TermOut(Schema):
    id: int
    contract_id: int
    number: int
    group: str
    category: str
    item: str
    content: str
    mode_text: str
    response_text: str
    channels: list[str]
    response: TargetData
    onsite: TargetData
    resolution: TargetData
    escalate_onsite: TargetData
    separately_paid: bool


class TermIn(Schema):
    number: int | None = Field(None, ge=1, le=999)
    group: str = Field("", max_length=64)
    category: Category
    item: str = Field(..., min_length=1, max_length=128)
    content: str = Field(..., min_length=1)
    channels: list[str] = Field(default_factory=list)
    response: TargetData = None
    onsite: TargetData = None
    resolution: TargetData = None
    escalate_onsite: TargetData = None
    separately_paid: Flag = False


class TermPatch(Schema):
    group: str = Field(None, max_length=64)
    category: Category = Field(None)
    item: str = Field(None, min_length=1, max_length=128)
    content: str = Field(None, min_length=1)
    channels: list[str] = Field(None)
    response: TargetData = None
    onsite: TargetData = None
    resolution: TargetData = None
    escalate_onsite: TargetData = None
    separately_paid: Flag = Field(None)


class SeverityOut(Schema):
    id: int
    contract_id: int
    code: str
    label: str
    definition: str
    response: TargetData
    onsite: TargetData
    resolution: TargetData
    escalate_onsite: TargetData


class SeverityPatch(Schema):
    label: str = Field(None, min_length=1, max_length=32)
    definition: str = Field(None, min_length=1)
    response: TargetData = None
    onsite: TargetData = None
    resolution: TargetData = None
    escalate_onsite: TargetData = None


class MilestoneOut(Schema):
    id: int
    code: str
    name: str
    percent: Decimal | None
    amount: Decimal
    trigger: str
    assessment: str
    text: str


class DeductionOut(Schema):
    id: int
    code: str
    assessment: str
    kind: str
    name: str
    params: dict
    text: str


class TemplateBrief(Schema):
    code: str
    title: str


class SystemOut(Schema):
    id: int
    hospital_id: int
    campus_id: int | None
    contract_id: int | None
    vendor_id: int | None
    code: str
    name: str
    kind: str
    version: str
    description: str


class SystemIn(Schema):
    hospital_id: Id
    campus_id: Id | None = None
    contract_id: Id | None = None
    code: str = Field(..., min_length=1, max_length=48, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    name: str = Field(..., min_length=1, max_length=128)
    kind: SystemKind
    version: str = Field("", max_length=64)
    description: str = ""


class SystemPatch(Schema):
    name: str = Field(None, min_length=1, max_length=128)
    kind: SystemKind = Field(None)
    version: str = Field(None, max_length=64)
    description: str = Field(None)
    contract_id: Id | None = None


class ModuleOut(Schema):
    id: int
    system_id: int
    code: str
    name: str
    group: str
    description: str


class ModuleIn(Schema):
    code: str = Field("", max_length=48)
    name: str = Field(..., min_length=1, max_length=128)
    group: str = Field("", max_length=64)
    description: str = ""


class ModulePatch(Schema):
    code: str = Field(None, max_length=48)
    name: str = Field(None, min_length=1, max_length=128)
    group: str = Field(None, max_length=64)
    description: str = Field(None)


class InterfaceOut(Schema):
    id: int
    system_id: int
    module_id: int | None
    code: str
    name: str
    peer: str
    direction: str
    protocol: str
    description: str


class InterfaceIn(Schema):
    module_id: Id | None = None
    code: str = Field(..., min_length=1, max_length=48)
    name: str = Field(..., min_length=1, max_length=128)
    peer: str = Field(..., min_length=1, max_length=128)
    direction: Direction
    protocol: Protocol
    description: str = ""


class InterfacePatch(Schema):
    name: str = Field(None, min_length=1, max_length=128)
    peer: str = Field(None, min_length=1, max_length=128)
    direction: Direction = Field(None)
    protocol: Protocol = Field(None)
    description: str = Field(None)


class EndpointOut(Schema):
    id: int
    system_id: int
    interface_id: int | None
    name: str
    kind: EndpointKind
    host: str
    port: int | None
    ae_title: str
    url: str
    dsn: str
    username: str
    has_credential: bool
    credential_hint: str = Field(
        "", description="凭据提示（首尾字符与长度），只对可修改该端点的医院管理员显示，其他人为空"
    )

    @staticmethod
    def resolve_credential_hint(obj: Any, context: Any) -> str:
        from weibao.accounts.permissions import can_see_credentials

        request = (context or {}).get("request")
        user = getattr(request, "user", None)
        return obj.credential_hint if user is not None and can_see_credentials(user, obj) else ""


class EndpointIn(Schema):
    interface_id: Id | None = None
    name: str = Field(..., min_length=1, max_length=128)
    kind: EndpointKind
    host: str = Field("", max_length=255)
    port: int | None = Field(None, ge=1, le=65535)
    ae_title: str = Field("", max_length=16)
    url: str = Field("", max_length=500)
    dsn: str = Field("", max_length=500)
    username: str = Field("", max_length=128)
    credential: str | None = Field(None, max_length=500, description="只写：加密保存，永不返回")


class EndpointPatch(Schema):
    name: str = Field(None, min_length=1, max_length=128)
    host: str = Field(None, max_length=255)
    port: int | None = Field(None, ge=1, le=65535)
    ae_title: str = Field(None, max_length=16)
    url: str = Field(None, max_length=500)
    dsn: str = Field(None, max_length=500)
    username: str = Field(None, max_length=128)
    credential: str | None = Field(None, max_length=500, description="只写：加密保存，永不返回")
