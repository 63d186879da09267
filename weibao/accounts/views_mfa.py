"""Pages of two-factor sign-in: the code step after the password, enrolment, the QR code, and the
user's own 两步验证 page (recovery codes, turning it off)."""

from __future__ import annotations

import base64
import io

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from weibao.audit.context import AuditContext
from weibao.audit.services import audit_record
from weibao.core.forms import apply_service_errors

from . import services
from .forms import OtpTokenForm
from .mfa import has_device, mfa_required, second_factor_due


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


def _secret(device) -> str:
    """The TOTP secret as authenticator apps take it typed in (base32, in groups of four)."""
    raw = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@never_cache
@login_required
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the authenticator or a recovery code."""
    due = second_factor_due(request)
    if due == "enrol":
        return redirect("accounts:mfa_setup")
    if due is None:
        return redirect(_next(request))
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.mfa_match(user=request.user, token=form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                audit_record(
                    action="user.mfa_recovery_used",
                    actor=request.user,
                    context=AuditContext.from_request(request),
                    obj=request.user,
                    detail={"left": device.token_set.count()},
                )
            return redirect(_next(request))
        audit_record(
            action="user.mfa_failed",
            actor=request.user,
            context=AuditContext.from_request(request),
            obj=request.user,
        )
        form.add_error("token", _("验证码不正确或已使用；多次错误后需稍候再试。"))
    return render(request, "accounts/mfa_verify.html", {"form": form, "next": _next(request)})


@never_cache
@login_required
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator: the secret as a QR code and as text, then a code to confirm it."""
    if second_factor_due(request) == "verify":
        return redirect("accounts:mfa_verify")
    device = services.mfa_totp_pending(user=request.user)
    form = OtpTokenForm(request.POST or None)
    form.fields["token"].help_text = _("身份验证器显示的 6 位数字。")
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.mfa_totp_confirm(
                user=request.user,
                device=device,
                token=form.cleaned_data["token"],
                context=AuditContext.from_request(request),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            otp_login(request, device)
            return render(
                request, "accounts/mfa_recovery_codes.html", {"codes": codes, "next": _next(request)}
            )
    return render(
        request,
        "accounts/mfa_setup.html",
        {
            "form": form,
            "secret": _secret(device),
            "forced": mfa_required(request.user) and not has_device(request.user),
            "next": _next(request),
        },
    )


@never_cache
@login_required
def mfa_qr(request: HttpRequest) -> HttpResponse:
    """The pending authenticator's otpauth:// address as an SVG QR code (an image of the page's
    own origin, so the policy allows it and no script draws it)."""
    if second_factor_due(request) == "verify":
        raise PermissionDenied
    device = services.mfa_totp_pending(user=request.user)
    buffer = io.BytesIO()
    segno.make(device.config_url, error="m").save(buffer, kind="svg", scale=5, border=2)
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


def _settled(request: HttpRequest) -> HttpResponse | None:
    """A session that still owes a code goes to give it first."""
    due = second_factor_due(request)
    if due == "verify":
        return redirect("accounts:mfa_verify")
    if due == "enrol":
        return redirect("accounts:mfa_setup")
    return None


@never_cache
@login_required
def mfa_settings(request: HttpRequest) -> HttpResponse:
    """两步验证 under the user's own account: status, new recovery codes, turning it off."""
    if (away := _settled(request)) is not None:
        return away
    enrolled = has_device(request.user)
    return render(
        request,
        "accounts/mfa_settings.html",
        {
            "enrolled": enrolled,
            "required": mfa_required(request.user),
            "codes_left": StaticToken.objects.filter(device__user=request.user).count() if enrolled else 0,
            "form": OtpTokenForm(),
        },
    )


@login_required
@require_POST
def mfa_recovery_regenerate(request: HttpRequest) -> HttpResponse:
    if (away := _settled(request)) is not None:
        return away
    try:
        codes = services.mfa_recovery_regenerate(
            user=request.user, context=AuditContext.from_request(request)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("accounts:mfa_settings")
    return render(request, "accounts/mfa_recovery_codes.html", {"codes": codes, "next": "/"})


@login_required
@require_POST
def mfa_disable(request: HttpRequest) -> HttpResponse:
    if (away := _settled(request)) is not None:
        return away
    form = OtpTokenForm(request.POST)
    if form.is_valid():
        try:
            services.mfa_disable(
                user=request.user,
                token=form.cleaned_data["token"],
                context=AuditContext.from_request(request),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("两步验证已关闭。"))
    else:
        messages.error(request, _("请填写验证码。"))
    return redirect("accounts:mfa_settings")
