"""Two-factor sign-in: who needs a second factor, and whether this session gave one.

The devices are django-otp's: a TOTP device (an authenticator app) and a static device holding
the ten recovery codes, each of which works once. ``django_otp.middleware.OTPMiddleware`` marks
a session verified once a code was accepted (:func:`django_otp.login`); :class:`MfaPolicyMiddleware`
(in :mod:`.middleware`) sends a user who has a device but has not given a code to the code page,
and a platform or hospital admin who has no device yet to the enrolment page.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from .choices import Role
from .permissions import MfaRequired

#: Roles that must sign in with a second factor (等保 level 3 asks it of administrators).
REQUIRED_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.HOSPITAL_ADMIN})

#: The name of the static device that holds a user's recovery codes.
RECOVERY_DEVICE_NAME = "recovery"
RECOVERY_CODES = 10


def mfa_required(user: Any) -> bool:
    """The user must have a second factor: a platform admin (or superuser) or a hospital admin."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.is_platform_admin or user.has_role(*REQUIRED_ROLES)


def has_device(user: Any) -> bool:
    """The user has a confirmed authenticator (recovery codes alone do not count)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def session_verified(request: Any) -> bool:
    """This session gave a second factor (django-otp's middleware sets ``is_verified``)."""
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified())


def second_factor_due(request: Any) -> str | None:
    """What the session still owes: ``"verify"`` (has a device, gave no code), ``"enrol"`` (needs a
    device and has none), or None."""
    user = request.user
    if not getattr(user, "is_authenticated", False) or session_verified(request):
        return None
    if has_device(user):
        return "verify"
    if mfa_required(user):
        return "enrol"
    return None


def require_second_factor(request: Any) -> None:
    """Refuse (403 ``mfa_required``) a session that owes a second factor: minting an API token
    needs a session that gave one, when the user has or needs a device."""
    if second_factor_due(request):
        raise MfaRequired(_("请先完成两步验证。"))
