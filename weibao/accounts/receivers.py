"""Audit records for authentication events (Django's and django-axes' signals)."""

from __future__ import annotations

import time

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from weibao.audit.services import audit_record

from .middleware import SESSION_LAST_SEEN, SESSION_STARTED


@receiver(user_logged_in)
def _on_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SESSION_STARTED] = now
        request.session[SESSION_LAST_SEEN] = now
    membership = user.primary_membership
    audit_record(
        action="auth.login",
        actor=user,
        request=request,
        organization=membership.organization if membership else None,
    )


@receiver(user_logged_out)
def _on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_record(action="auth.logout", actor=user, request=request)


@receiver(user_login_failed)
def _on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    audit_record(
        action="auth.login",
        request=request,
        success=False,
        username=str(credentials.get("username", ""))[:150],
    )
