"""Encryption of secrets and personal data at rest (Fernet).

The key never lives in the database: ``WEIBAO_FERNET_KEYS`` (comma-separated, newest first, for
rotation) or, on the embedded default, ``var/fernet.key`` generated on first use with mode 600.
Back the key up with the database: without it the encrypted values cannot be read.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    keys = [k.strip() for k in os.environ.get("WEIBAO_FERNET_KEYS", "").split(",") if k.strip()]
    if not keys:
        path = Path(settings.VAR_DIR) / "fernet.key"
        if not path.exists():
            path.write_bytes(Fernet.generate_key())
            path.chmod(0o600)
        keys = [path.read_text().strip()]
    return MultiFernet([Fernet(k) for k in keys])


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode() if plain else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("cannot decrypt: wrong or missing key") from exc


def mask(value: str, keep: int = 2) -> str:
    """``"Secret-123"`` → ``"Se******23"``: enough to recognise, never enough to use."""
    if not value:
        return ""
    if len(value) <= keep * 2:
        return "*" * len(value)
    return value[:keep] + "*" * (len(value) - keep * 2) + value[-keep:]
