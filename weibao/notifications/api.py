"""API of the notifications app: my inbox, my preferences, and group robots for admins."""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from weibao.accounts import permissions
from weibao.accounts.models import Organization
from weibao.audit.context import AuditContext
from weibao.core.api import Flag, Id, get_visible, responses
from weibao.core.api_crud import ModelRoutes, PageIn, page, paginated

from . import selectors, services
from .choices import DeliveryStatus, RobotKind
from .models import Delivery, Notification, RobotWebhook

router = Router(tags=["notifications"])


# --- schemas --------------------------------------------------------------------------------------


class NotificationOut(Schema):
    id: int
    event: str
    event_label: str
    hospital_id: int | None
    title: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None
    is_read: bool


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None = Field(..., description="下一页的游标；已是最后一页时为 null")
    unread: int = Field(..., description="未读通知总数")


class InboxQuery(Schema):
    unread: bool | None = Field(None, description="true：只看未读")


class MarkReadIn(Schema):
    ids: list[Id] | None = Field(None, max_length=500, description="要标为已读的通知；省略则全部标为已读")


class MarkedOut(Schema):
    marked: int
    unread: int


class PreferenceOut(Schema):
    event: str
    label: str
    in_app: bool
    email: bool


class PreferenceIn(Schema):
    event: str = Field(..., min_length=1, max_length=64)
    in_app: Flag | None = None
    email: Flag | None = None


class PreferencesIn(Schema):
    preferences: list[PreferenceIn] = Field(..., min_length=1, max_length=200)


class RobotOut(Schema):
    id: int
    organization_id: int
    contract_id: int | None
    kind: RobotKind
    name: str
    url_masked: str = Field(..., alias="url_hint")
    has_secret: bool
    secret_masked: str = Field(..., alias="secret_hint")
    events: list[str]
    is_active: bool
    created_at: datetime
    updated_at: datetime


class RobotIn(Schema):
    organization_id: Id
    kind: RobotKind
    name: str = Field(..., min_length=1, max_length=64)
    url: str = Field(..., min_length=8, max_length=2000, description="只写：加密保存，只以掩码返回")
    secret: str = Field("", max_length=200, description="钉钉加签密钥（SEC…），只写")
    events: list[str] = Field(..., min_length=1, max_length=50)
    contract_id: Id | None = Field(None, description="只接收这一份合同的事件")
    is_active: Flag = True


class RobotPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=64)
    url: str | None = Field(None, min_length=8, max_length=2000)
    secret: str | None = Field(None, max_length=200, description="空字符串表示不再加签")
    events: list[str] | None = Field(None, min_length=1, max_length=50)
    contract_id: Id | None = None
    is_active: Flag | None = None


class DeliveryOut(Schema):
    id: int
    channel: str
    target: str
    event: str
    title: str
    status: DeliveryStatus
    attempts: int
    last_error: str
    next_attempt_at: datetime | None
    sent_at: datetime | None
    created_at: datetime


# --- my notifications -----------------------------------------------------------------------------


@router.get("/notifications", response=responses(_200=NotificationPage), summary="我的通知（未读在前）")
def notification_list(request, filters: Query[InboxQuery], pages: Query[PageIn]):
    qs = selectors.inbox(user=request.user, unread_only=bool(filters.unread))
    return {**page(qs, pages), "unread": selectors.unread_count(user=request.user)}


@router.post("/notifications/mark-read", response=responses(_200=MarkedOut), summary="批量标为已读")
def notification_mark_many(request, payload: MarkReadIn):
    marked = services.mark_read(user=request.user, notification_ids=payload.ids)
    return {"marked": marked, "unread": selectors.unread_count(user=request.user)}


# After /notifications/mark-read, which the route of one notification would take for an id.
notifications = ModelRoutes(
    router, "/notifications", Notification.objects, NotificationOut, id="notification_id"
)
notifications.detail("通知详情")


@router.post(
    "/notifications/{notification_id}/read", response=responses(_200=NotificationOut), summary="标为已读"
)
def notification_mark_read(request, notification_id: Id):
    notification = notifications.get(request, notification_id)
    services.mark_read(user=request.user, notification_ids=[notification.pk])
    notification.refresh_from_db()
    return notification


# --- my preferences -------------------------------------------------------------------------------


@router.get("/notification-preferences", response=responses(_200=list[PreferenceOut]), summary="我的通知设置")
def preference_list(request):
    return selectors.preference_matrix(user=request.user)


@router.put("/notification-preferences", response=responses(_200=list[PreferenceOut]), summary="修改通知设置")
def preference_update(request, payload: PreferencesIn):
    changes: dict[str, dict[str, bool]] = {}
    for item in payload.preferences:
        switches = item.dict(exclude_none=True, exclude={"event"})
        changes.setdefault(item.event, {}).update(switches)
    services.preferences_update(
        user=request.user, preferences=changes, context=AuditContext.from_request(request)
    )
    return selectors.preference_matrix(user=request.user)


# --- group robots ---------------------------------------------------------------------------------


def _require_some_admin(user) -> None:
    if not permissions.is_some_admin(user):
        raise PermissionDenied(_("只有医院管理员或厂商项目经理可以管理群机器人。"))


def _contract(user, contract_id: int | None):
    if contract_id is None:
        return None
    from weibao.contracts.models import Contract

    return get_visible(Contract.objects, user, pk=contract_id)


robots = ModelRoutes(
    router, "/robots", RobotWebhook.objects.select_related("organization"), RobotOut, id="robot_id"
)


@router.get("/robots", response=responses(_200=list[RobotOut]), summary="群机器人（管理员）")
@paginated
def robot_list(request, organization_id: Id | None = None):
    # Only admins list robots (a department user is told so); one robot answers 404 to anyone who
    # does not see it, like every other row.
    _require_some_admin(request.user)
    qs = robots.visible(request)
    return qs.filter(organization_id=organization_id) if organization_id else qs


@robots.create(RobotIn, "新增群机器人")
def robot_create(request, payload: RobotIn):
    _require_some_admin(request.user)
    organization = get_visible(Organization.objects, request.user, pk=payload.organization_id)
    return services.robot_create(
        actor=request.user,
        organization=organization,
        kind=payload.kind.value,
        name=payload.name,
        url=payload.url,
        secret=payload.secret,
        events=payload.events,
        contract=_contract(request.user, payload.contract_id),
        is_active=payload.is_active,
        context=AuditContext.from_request(request),
    )


robots.detail("群机器人详情")


@robots.update(RobotPatch, "修改群机器人")
def robot_update(request, robot: RobotWebhook, payload: RobotPatch):
    fields = payload.dict(exclude_unset=True)
    if "contract_id" in fields:
        fields["contract"] = _contract(request.user, fields.pop("contract_id"))
    for key in ("name", "events", "is_active"):
        if key in fields and fields[key] is None:
            fields.pop(key)
    return services.robot_update(
        actor=request.user, robot=robot, context=AuditContext.from_request(request), **fields
    )


@router.delete("/robots/{robot_id}", response=responses(_200=RobotOut), summary="停用群机器人")
def robot_deactivate(request, robot_id: Id):
    return services.robot_deactivate(
        actor=request.user, robot=robots.get(request, robot_id), context=AuditContext.from_request(request)
    )


@router.post(
    "/robots/{robot_id}/test",
    response=responses(_200=DeliveryOut),
    summary="发送测试消息（立即发送一次，返回结果：status 与 last_error）",
)
def robot_test(request, robot_id: Id):
    return services.robot_send_test(
        actor=request.user, robot=robots.get(request, robot_id), context=AuditContext.from_request(request)
    )


@router.get(
    "/robots/{robot_id}/deliveries", response=responses(_200=list[DeliveryOut]), summary="群机器人的发送记录"
)
@paginated
def robot_deliveries(request, robot_id: Id):
    return Delivery.objects.filter(robot=robots.get(request, robot_id)).order_by("-created_at", "-id")
