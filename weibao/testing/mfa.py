"""Second factors for tests: a confirmed authenticator with a known key, its codes computed the
way an authenticator app computes them (django-otp's own TOTP), and a test client whose session
gave the second factor."""

from __future__ import annotations

import base64
import time
from typing import Any

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

#: The authenticator key of test devices (hex, as django-otp stores it).
KNOWN_KEY = "3132333435363738393031323334353637383930"


def totp_device(user: Any, key: str = KNOWN_KEY) -> TOTPDevice:
    """The user's confirmed authenticator, made with ``key`` if the user has none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="test", key=key, confirmed=True)


def code_for_key(bin_key: bytes, *, steps_ahead: int = 0) -> str:
    """The six digits an authenticator shows for ``bin_key`` now (or ``steps_ahead`` periods on,
    within the tolerance the server allows: a code is accepted once per period)."""
    totp = TOTP(bin_key, step=30, t0=0, digits=6)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def code_for_secret(secret: str, *, steps_ahead: int = 0) -> str:
    """The code for a secret as the enrolment page shows it (base32, maybe in groups)."""
    raw = "".join(secret.split()).upper()
    return code_for_key(base64.b32decode(raw + "=" * (-len(raw) % 8)), steps_ahead=steps_ahead)


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """A code the device accepts now: past the last period it accepted (no code twice)."""
    device.refresh_from_db()
    now_t = int(time.time()) // 30
    ahead = max(steps_ahead, device.last_t + 1 - now_t)
    return code_for_key(device.bin_key, steps_ahead=ahead)


def verify_session(client: Any, user: Any) -> TOTPDevice:
    """Mark a logged-in test client's session as having given the second factor (what
    ``django_otp.login`` stores), with the user's authenticator (made if missing)."""
    device = totp_device(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
