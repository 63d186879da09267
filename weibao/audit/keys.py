"""The keys of the audit chain (HMAC-SHA256).

A record's hash is ``HMAC(key, prev_hash || record)``, so that someone who can write to the
database but has not got the key cannot recompute the chain after editing, inserting or deleting
a record. The key never lives in the database: ``WEIBAO_AUDIT_KEYS`` (comma-separated, newest
first) or, on the embedded default, ``var/audit.key`` generated on first use with mode 600 (as the
Fernet key in :mod:`weibao.core.crypto`).

Each record stores the id of the key it was written with (a digest of the key, never the key), so
the key can be rotated: put a new key first in ``WEIBAO_AUDIT_KEYS`` and keep the old ones after
it; new records use the first, older records verify with theirs. A key can be dropped only when
no record in the log was written with it. Records written before the chain was keyed carry the
key id :data:`LEGACY_KEY_ID` and are plain SHA-256 (see :func:`weibao.audit.services.audit_verify`
for why they cannot be forged now).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

#: The key id of the records written before the chain was keyed (plain SHA-256).
LEGACY_KEY_ID = "sha256"
#: A key shorter than this is refused: an HMAC key is as strong as it is long.
MIN_KEY_LENGTH = 32
_BLOCK = 64  # SHA-256's block size


@dataclass(frozen=True)
class AuditKey:
    """One key: its id (stored on each record) and its secret."""

    id: str
    secret: bytes

    def mac(self, message: bytes) -> str:
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def pads(self) -> tuple[bytes, bytes]:
        """The inner and outer padded keys of HMAC (RFC 2104): ``HMAC(k, m) = sha256(opad ||
        sha256(ipad || m))``, which is how PostgreSQL computes the hash in SQL."""
        return _pads(self.secret)


@lru_cache(maxsize=8)
def _pads(secret: bytes) -> tuple[bytes, bytes]:
    key = hashlib.sha256(secret).digest() if len(secret) > _BLOCK else secret
    key = key.ljust(_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def key_id(secret: bytes) -> str:
    """A short, stable name for a key that reveals nothing of it."""
    return "k" + hashlib.sha256(b"weibao audit key id\0" + secret).hexdigest()[:12]


def _key_file() -> Path:
    return Path(settings.VAR_DIR) / "audit.key"


def _create_key_file(path: Path) -> None:
    """Write a new key with mode 600 from the start, complete before it appears under its name
    (a hard link does not replace a file): of processes starting together, one key wins and
    every one of them reads it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(base64.urlsafe_b64encode(os.urandom(32)))
            f.flush()
            os.fsync(f.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def audit_keys() -> tuple[AuditKey, ...]:
    """The configured keys, newest (the one new records are written with) first. Read once per
    setting and key file: a process whose VAR_DIR changes (tests, a restore's staging copy) reads
    that directory's key, never the one it read before."""
    return _load_keys(os.environ.get("WEIBAO_AUDIT_KEYS", ""), _key_file())


@lru_cache(maxsize=8)
def _load_keys(setting: str, path: Path) -> tuple[AuditKey, ...]:
    raw = [k.strip() for k in setting.split(",") if k.strip()]
    if not raw:
        if not path.exists():
            _create_key_file(path)
        raw = [path.read_text().strip()]
    keys = []
    for value in raw:
        if len(value) < MIN_KEY_LENGTH:
            raise ImproperlyConfigured(
                f"WEIBAO_AUDIT_KEYS: each key must be at least {MIN_KEY_LENGTH} characters "
                '(generate one with: python -c "import secrets; print(secrets.token_urlsafe(32))")'
            )
        secret = value.encode()
        keys.append(AuditKey(key_id(secret), secret))
    return tuple(keys)


def current_key() -> AuditKey:
    return audit_keys()[0]


def key_by_id(kid: str) -> AuditKey | None:
    return next((k for k in audit_keys() if k.id == kid), None)


def forget_keys() -> None:
    """Read the keys again (after the environment changed: tests, rotation in a shell)."""
    _load_keys.cache_clear()
