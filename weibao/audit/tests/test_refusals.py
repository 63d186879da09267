"""Refusals are audited, but one user cannot flood the log with them."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from weibao.accounts.choices import Role
from weibao.audit.context import AuditContext
from weibao.audit.models import AuditEvent
from weibao.audit.services import audit_refusal
from weibao.testing.factories import member

pytestmark = pytest.mark.django_db


def test_one_record_per_user_and_action_per_interval_with_the_rest_counted(hospital):
    user = member(hospital, Role.DEPARTMENT_USER)
    other = member(hospital, Role.DEPARTMENT_USER)
    ctx = AuditContext(actor=user, ip="10.0.0.7")
    first = audit_refusal(context=ctx, reason="no", detail={"path": "/a"})
    assert first is not None and first.detail == {"path": "/a", "reason": "no", "suppressed": 0}
    assert [audit_refusal(context=ctx, reason="no") for _ in range(20)] == [None] * 20
    # Another user, another action: their own windows.
    assert audit_refusal(context=AuditContext(actor=other), reason="no") is not None
    assert audit_refusal(context=ctx, action="ticket.refused") is not None
    assert AuditEvent.objects.filter(actor=user, action="permission.denied").count() == 1

    cache.delete(f"audit:refusal:user:{user.pk}:permission.denied")  # the minute has passed
    second = audit_refusal(context=ctx, reason="again")
    assert second.detail["suppressed"] == 20
    cache.delete(f"audit:refusal:user:{user.pk}:permission.denied")
    assert audit_refusal(context=ctx).detail["suppressed"] == 0


def test_anonymous_refusals_are_limited_per_address(db):
    assert audit_refusal(context=AuditContext(ip="192.0.2.1")) is not None
    assert audit_refusal(context=AuditContext(ip="192.0.2.1")) is None
    assert audit_refusal(context=AuditContext(ip="192.0.2.2")) is not None
