"""Session and password policy of the security baseline."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from weibao.audit.services import audit_record

SESSION_STARTED = "wb_started"
SESSION_LAST_SEEN = "wb_last_seen"


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


class SessionPolicyMiddleware:
    """Ends a session after ``WEIBAO_SESSION_IDLE_SECONDS`` without a request and after
    ``WEIBAO_SESSION_ABSOLUTE_SECONDS`` in all, whatever the activity."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and SESSION_LAST_SEEN in request.session:
            now = time.time()
            idle = now - request.session.get(SESSION_LAST_SEEN, now)
            age = now - request.session.get(SESSION_STARTED, now)
            reason = None
            if idle > settings.WEIBAO_SESSION_IDLE_SECONDS:
                reason = "idle"
            elif age > settings.WEIBAO_SESSION_ABSOLUTE_SECONDS:
                reason = "absolute"
            if reason:
                audit_record(action="session.expired", actor=user, request=request, detail={"reason": reason})
                logout(request)
                if _is_api(request):
                    return JsonResponse(
                        {"detail": _("会话已过期，请重新登录。"), "code": "session_expired"}, status=401
                    )
                messages.warning(request, _("长时间未操作，会话已超时，请重新登录。"))
                return redirect(f"{reverse('accounts:login')}?next={request.path}")
            # Only touch the session when a minute has passed, to keep requests read-only.
            if idle > 60 or request.session.get(SESSION_LAST_SEEN) is None:
                request.session[SESSION_LAST_SEEN] = now
        return self.get_response(request)


def password_expired(user) -> bool:
    if user.must_change_password:
        return True
    max_age = settings.WEIBAO_PASSWORD_MAX_AGE_DAYS
    if max_age and user.password_changed_at is not None:
        return (timezone.now() - user.password_changed_at).days >= max_age
    return False


class _Gate:
    """A step a signed-in user must take before anything else: pages outside ``EXEMPT_PREFIXES``
    redirect to the step, API calls from the session get 403 with ``code``."""

    EXEMPT_PREFIXES: tuple[str, ...] = (
        "/static/",
        "/accounts/mfa/",
        "/accounts/logout/",
        "/i18n/",
        "/healthz",
    )
    code = ""
    detail = ""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def target(self, request: HttpRequest) -> str | None:
        """The page of the step this user must take now, or None."""
        raise NotImplementedError

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(self.EXEMPT_PREFIXES):
            return self.get_response(request)
        target = self.target(request)
        if target is None:
            return self.get_response(request)
        if _is_api(request):
            # The browser session reaches the API too: nothing there until the step is taken
            # (bearer tokens are refused the same way, see accounts.tokens).
            return JsonResponse({"detail": _(self.detail), "code": self.code}, status=403)
        if request.method == "GET" and request.path != "/":
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return redirect(target)


class PasswordPolicyMiddleware(_Gate):
    """Sends a user whose password must change (first login, or older than the allowed age) to
    the password page before anything else; their API calls get 403 ``password_change_required``."""

    # The two-factor pages come first: nobody changes the password with the password alone.
    EXEMPT_PREFIXES = (*_Gate.EXEMPT_PREFIXES, "/accounts/password/")
    code = "password_change_required"
    detail = gettext_noop("请先修改密码。")

    def target(self, request: HttpRequest) -> str | None:
        return reverse("accounts:password_change") if password_expired(request.user) else None


class MfaPolicyMiddleware(_Gate):
    """After the password, a user with an authenticator gives a code (the code page) and a platform
    or hospital admin without one enrols (the enrolment page) before anything else; their API calls
    from the browser session get 403 ``mfa_required``. Runs after django-otp's ``OTPMiddleware``."""

    code = "mfa_required"
    detail = gettext_noop("请先完成两步验证。")

    def target(self, request: HttpRequest) -> str | None:
        from .mfa import second_factor_due

        due = second_factor_due(request)
        # A new admin changes the initial password first, then enrols; a user with a device gives
        # the code before anything, the password page included.
        if not due or (due == "enrol" and password_expired(request.user)):
            return None
        return reverse("accounts:mfa_verify" if due == "verify" else "accounts:mfa_setup")
