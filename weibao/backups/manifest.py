"""The manifest of a backup and the checks made against it (no Django here).

``manifest.json`` is the archive's last part: the Weibao version, when and from what database the
copy was taken, the migrations applied per app, the row count of every table (counted in the
copy itself), the SHA-256 and size of every other part, and which keys were not in the archive
because the operator gives them in the environment.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any, BinaryIO

FORMAT = 1
MANIFEST = "manifest.json"
#: The key files of ``var/`` that travel with a backup (when present).
KEY_FILES = ("secret_key", "fernet.key", "audit.key", "audit-anchor.log")
#: Which environment variable replaces each key file.
KEY_ENV = {
    "secret_key": "SECRET_KEY",
    "fernet.key": "WEIBAO_FERNET_KEYS",
    "audit.key": "WEIBAO_AUDIT_KEYS",
    "audit-anchor.log": "WEIBAO_AUDIT_ANCHOR_FILE",
}
PREFIXES = ("database/", "media/", "keys/")


class ManifestError(Exception):
    """The archive's content does not match its manifest; the message names the part."""


class HashingReader:
    """Reads from ``source`` and hashes what passed through."""

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self._source.read(n)
        self.sha256.update(data)
        self.size += len(data)
        return data


def build(
    *,
    version: str,
    created_at: str,
    engine: str,
    migrations: Mapping[str, list[str]],
    counts: Mapping[str, int],
    parts: Mapping[str, Mapping[str, Any]],
    keys_from_env: Iterable[str],
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "weibao_version": version,
        "created_at": created_at,
        "database": engine,
        "migrations": {app: list(names) for app, names in sorted(migrations.items())},
        "counts": dict(sorted(counts.items())),
        "parts": {name: dict(info) for name, info in sorted(parts.items())},
        "keys_from_env": sorted(keys_from_env),
    }


def check_parts(manifest: Mapping[str, Any], found: Mapping[str, tuple[str, int]]) -> None:
    """``found``: each extracted part's (sha256, size). Every listed part must be there with its
    hash, and nothing unlisted."""
    if manifest.get("format") != FORMAT:
        raise ManifestError(f"unknown backup format {manifest.get('format')!r}")
    listed = manifest.get("parts", {})
    for name, info in sorted(listed.items()):
        if name not in found:
            raise ManifestError(f"part {name} is missing from the archive")
        sha, size = found[name]
        if sha != info.get("sha256") or size != info.get("size"):
            raise ManifestError(f"part {name} does not match its SHA-256 in the manifest")
    extra = sorted(set(found) - set(listed))
    if extra:
        raise ManifestError(f"part {extra[0]} is not listed in the manifest")


def count_mismatches(expected: Mapping[str, int], actual: Mapping[str, int]) -> list[str]:
    """Tables whose row count differs from the manifest's (a table missing counts as 0 rows)."""
    return [
        f"{table}: {count} in the backup, {actual.get(table, 0)} restored"
        for table, count in sorted(expected.items())
        if actual.get(table, 0) != count
    ]


def newer_migrations(backup: Mapping[str, list[str]], known: Mapping[str, set[str]]) -> list[str]:
    """Migrations the backup's database has and this code does not know: a backup made by a newer
    Weibao cannot be restored by this one."""
    return [
        f"{app}.{name}"
        for app, names in sorted(backup.items())
        for name in names
        if name not in known.get(app, set())
    ]
