"""API of the maintained systems' backup records: policies, checks, restore tests, overdue."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from ninja import Field, FilterLookup, FilterSchema, Router, Schema, Status

from weibao.audit.context import AuditContext
from weibao.contracts.models import MaintainedSystem
from weibao.core.api import Flag, Id, IsoDate, IsoDateTime, get_visible, responses
from weibao.core.api_crud import ModelRoutes

from . import selectors, services
from .choices import RestoreResult
from .models import BackupCheck, BackupPolicy, RestoreTest

router = Router(tags=["records"])


class PolicyOut(Schema):
    id: int
    system_id: int
    hospital_id: int
    name: str
    scope: str
    frequency_days: int
    location: str
    retention_days: int
    offsite: bool
    offsite_location: str
    restore_interval_days: int
    probe_id: int | None
    active: bool


class PolicyIn(Schema):
    name: str = Field(..., max_length=128)
    scope: str = Field(..., max_length=5000)
    location: str = Field(..., max_length=200)
    frequency_days: int = Field(1, ge=1, le=366)
    retention_days: int = Field(30, ge=1, le=36500)
    offsite: Flag = False
    offsite_location: str = Field("", max_length=200)
    restore_interval_days: int = Field(90, ge=1, le=3660)


class BackupCheckIn(Schema):
    ok: Flag
    newest_backup_at: IsoDateTime | None = None
    note: str = Field("", max_length=2000)


class CheckOut(Schema):
    id: int
    policy_id: int
    checked_at: datetime
    ok: bool
    newest_backup_at: datetime | None
    source: str
    note: str


class RestoreIn(Schema):
    tested_on: IsoDate
    restored: str = Field(..., max_length=2000)
    target: str = Field(..., max_length=200)
    result: RestoreResult
    minutes: int = Field(..., ge=0, le=100000)
    verified_by: str = Field(..., max_length=64)
    note: str = Field("", max_length=2000)


class RestoreOut(Schema):
    id: int
    policy_id: int
    tested_on: date
    restored: str
    target: str
    result: str
    minutes: int
    verified_by: str


class OverdueOut(Schema):
    policy_id: int
    name: str
    last_restore_passed: date | None
    restore_due: date


class PolicyFilter(FilterSchema):
    system: Annotated[Id | None, FilterLookup("system_id")] = None


def _ctx(request: Any) -> AuditContext:
    return AuditContext.from_request(request)


policies = ModelRoutes(router, "/backup-policies", BackupPolicy.objects.all(), PolicyOut, id="policy_id")
policies.list("备份策略", filters=PolicyFilter)
policies.detail("备份策略详情")


@router.post(
    "/systems/{system_id}/backup-policies", response=responses(_201=PolicyOut), summary="登记备份策略"
)
def policy_create(request: Any, system_id: Id, payload: PolicyIn) -> Any:
    system = get_visible(MaintainedSystem.objects.select_related("contract"), request.user, pk=system_id)
    return Status(
        201,
        services.policy_create(actor=request.user, system=system, context=_ctx(request), **payload.dict()),
    )


@router.post("/backup-policies/{policy_id}/checks", response=responses(_201=CheckOut), summary="登记备份检查")
def check_create(request: Any, policy_id: Id, payload: BackupCheckIn) -> Any:
    policy = policies.get(request, policy_id)
    row = services.backup_check_record(
        actor=request.user, policy=policy, context=_ctx(request), **payload.dict()
    )
    return Status(201, row)


@router.post(
    "/backup-policies/{policy_id}/restore-tests", response=responses(_201=RestoreOut), summary="登记恢复测试"
)
def restore_create(request: Any, policy_id: Id, payload: RestoreIn) -> Any:
    policy = policies.get(request, policy_id)
    row = services.restore_test_record(
        actor=request.user, policy=policy, context=_ctx(request), **payload.dict()
    )
    return Status(201, row)


checks = ModelRoutes(router, "/backup-checks", BackupCheck.objects.all(), CheckOut, id="check_id")
checks.list("备份检查记录")
tests = ModelRoutes(router, "/restore-tests", RestoreTest.objects.all(), RestoreOut, id="restore_test_id")
tests.list("恢复测试记录")


@router.get(
    "/systems/{system_id}/overdue-restore-tests",
    response=responses(_200=list[OverdueOut]),
    summary="该系统逾期的恢复测试",
)
def overdue(request: Any, system_id: Id) -> Any:
    system = get_visible(MaintainedSystem.objects, request.user, pk=system_id)
    return [
        {
            "policy_id": s.policy.pk,
            "name": s.policy.name,
            "last_restore_passed": s.last_restore_passed,
            "restore_due": s.restore_due,
        }
        for s in selectors.overdue_restore_tests(system)
    ]
