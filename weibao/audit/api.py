"""Reading the audit log through the API (what the visibility rule allows)."""

from datetime import datetime

from ninja import Router, Schema
from ninja.pagination import paginate

from weibao.core.api import Id, Pagination, get_visible, responses

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


@router.get("/audit-events", response=responses(_200=list[AuditEventOut]), summary="审计记录")
@paginate(Pagination)
def audit_event_list(request, action: str | None = None, success: bool | None = None):
    qs = AuditEvent.objects.visible_to(request.user)
    if action:
        qs = qs.filter(action=action)
    if success is not None:
        qs = qs.filter(success=success)
    return qs


@router.get("/audit-events/{event_id}", response=responses(_200=AuditEventOut), summary="审计记录详情")
def audit_event_detail(request, event_id: Id):
    return get_visible(AuditEvent.objects, request.user, pk=event_id)
