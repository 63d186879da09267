"""Reading the audit log through the API (what the visibility rule allows)."""

from datetime import datetime

from ninja import FilterSchema, Router, Schema

from weibao.core.api_crud import ModelRoutes

from .models import AuditEvent

router = Router(tags=["audit"])


class AuditEventOut(Schema):
    id: int
    at: datetime
    actor_id: int | None
    actor_username: str
    ip: str | None
    action: str
    object_type: str
    object_id: str
    object_repr: str
    organization_id: int | None
    success: bool
    detail: dict
    hash: str


class AuditEventFilter(FilterSchema):
    action: str | None = None
    success: bool | None = None


events = ModelRoutes(router, "/audit-events", AuditEvent.objects, AuditEventOut, id="event_id")
events.list("审计记录", filters=AuditEventFilter)
events.detail("审计记录详情")
