"""Backing up and restoring an installation: the database, the uploaded files and the keys.

:func:`backup_create` writes one encrypted archive (:mod:`.archive`) of tar parts —
``database/…`` (a consistent copy, :mod:`.dbcopy`), ``media/…``, ``keys/…`` — ending with
``manifest.json`` (:mod:`.manifest`). :func:`backup_restore` reads it into a staging place next to
the installation, checks every part's SHA-256, loads the database copy into a staging file or
database, compares the row counts with the manifest, migrates it forward and runs ``weibao audit
verify`` on it in a separate process pointed at the staged copy; only then are the database, the
media folder and the key files swapped in, by renames. Anything failing before the swap leaves the
installation as it was. The nightly job and the weekly restore test are in :mod:`.schedule`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from django.conf import settings
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from . import dbcopy
from . import manifest as mf
from .archive import ArchiveError, DecryptingReader, EncryptingWriter, Passphrase, Recipient, parse_key


class BackupError(Exception):
    """A backup or a restore could not be made; the message says why (and names the part)."""


class RestoreRefused(BackupError):
    """The target installation holds data and ``force`` was not given."""


# --- keys -----------------------------------------------------------------------------------------


def _read_secret(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes().strip()
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc.strerror}") from exc


def backup_key(
    *, passphrase: str | None = None, passphrase_file: str | None = None, recipient: str | None = None
) -> Passphrase | Recipient:
    """What to encrypt with: the arguments, else the settings (recipient, passphrase file, passphrase)."""
    if recipient or (not passphrase and not passphrase_file and settings.WEIBAO_BACKUP_RECIPIENT):
        text = recipient or settings.WEIBAO_BACKUP_RECIPIENT
        if Path(text).is_file():
            text = Path(text).read_text()
        try:
            return Recipient(public=parse_key(text))
        except ArchiveError as exc:
            raise BackupError(f"recipient: {exc}") from exc
    secret = restore_key(passphrase=passphrase, passphrase_file=passphrase_file)
    if isinstance(secret, Passphrase) and len(secret.secret) < 12:
        raise BackupError("the backup passphrase must be at least 12 characters")
    return secret


def restore_key(
    *, passphrase: str | None = None, passphrase_file: str | None = None, identity_file: str | None = None
) -> Passphrase | Recipient:
    """What to decrypt with: a private key file, a passphrase or its file, else the settings."""
    if identity_file:
        try:
            return Recipient(private=parse_key(_read_secret(identity_file).decode()))
        except ArchiveError as exc:
            raise BackupError(f"identity: {exc}") from exc
    if passphrase:
        return Passphrase(passphrase.encode())
    if passphrase_file:
        return Passphrase(_read_secret(passphrase_file))
    if settings.WEIBAO_BACKUP_PASSPHRASE_FILE:
        return Passphrase(_read_secret(settings.WEIBAO_BACKUP_PASSPHRASE_FILE))
    if settings.WEIBAO_BACKUP_PASSPHRASE:
        return Passphrase(settings.WEIBAO_BACKUP_PASSPHRASE.encode())
    raise BackupError(
        "no backup passphrase: give --passphrase-file (or --recipient), or set WEIBAO_BACKUP_PASSPHRASE"
    )


def _key_paths(var_dir: Path) -> dict[str, Path]:
    """Where each key file lives (the audit anchor may be placed elsewhere by its setting)."""
    paths = {name: var_dir / name for name in mf.KEY_FILES}
    anchor = os.environ.get("WEIBAO_AUDIT_ANCHOR_FILE") or getattr(settings, "WEIBAO_AUDIT_ANCHOR_FILE", "")
    # Placed by its setting outside VAR_DIR: kept there; in VAR_DIR (the default): in ``var_dir``,
    # which for a restore is the installation being restored into.
    if anchor and Path(anchor) != Path(settings.VAR_DIR) / "audit-anchor.log":
        paths["audit-anchor.log"] = Path(anchor)
    return paths


def _keys_from_env() -> list[str]:
    return [
        name
        for name, var in mf.KEY_ENV.items()
        if name != "audit-anchor.log" and os.environ.get(var, "").strip()
    ]


def _weibao_version() -> str:
    try:
        return version("weibao")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


# --- backup ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    manifest: dict[str, Any]


def _add(tar: tarfile.TarFile, name: str, source: BinaryIO, size: int, mtime: float) -> tuple[str, int]:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(mtime)
    info.mode = 0o600
    reader = mf.HashingReader(source)
    tar.addfile(info, reader)
    if reader.size != size:
        raise BackupError(f"part {name} changed size while it was copied")
    return reader.sha256.hexdigest(), size


def _add_file(tar: tarfile.TarFile, name: str, path: Path, parts: dict[str, dict[str, str | int]]) -> None:
    try:
        handle = path.open("rb")
    except FileNotFoundError:  # removed since it was listed (the application never deletes one)
        return
    with handle:
        stat = os.fstat(handle.fileno())
        sha, size = _add(tar, name, handle, stat.st_size, stat.st_mtime)
    parts[name] = {"sha256": sha, "size": size}


def _media_files(media_root: Path) -> Iterator[tuple[str, Path]]:
    if not media_root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(media_root):
        dirnames.sort()
        for filename in sorted(filenames):
            path = Path(dirpath) / filename
            if path.is_file() and not path.is_symlink():
                yield path.relative_to(media_root).as_posix(), path


def backup_create(
    *,
    out: Path,
    key: Passphrase | Recipient,
    alias: str = "default",
    var_dir: Path | None = None,
    media_root: Path | None = None,
) -> BackupResult:
    """Write the encrypted archive of this installation to ``out`` (atomically: a partial file is
    never left under that name). The site may keep running and writing meanwhile."""
    var_dir = Path(var_dir or settings.VAR_DIR)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.part")
    parts: dict[str, dict[str, str | int]] = {}
    try:
        with tempfile.TemporaryDirectory(dir=out.parent, prefix=".backup-") as tmp:
            # The keys are copied before the database: the audit anchor then never names a chain
            # head newer than the copy (an anchor lagging behind the chain is its normal state).
            keys = {}
            for name, path in _key_paths(var_dir).items():
                if path.is_file():
                    keys[name] = Path(tmp) / f"key-{name}"
                    shutil.copyfile(path, keys[name])
            snap, db_file = dbcopy.snapshot(alias, Path(tmp))
            with partial.open("wb") as handle:
                os.chmod(partial, 0o600)
                writer = EncryptingWriter(handle, key)
                with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                    _add_file(tar, snap.part, db_file, parts)
                    db_file.unlink()
                    for rel, path in _media_files(media_root):
                        _add_file(tar, f"media/{rel}", path, parts)
                    for name, path in keys.items():
                        _add_file(tar, f"keys/{name}", path, parts)
                    manifest = mf.build(
                        version=_weibao_version(),
                        created_at=timezone.now().isoformat(),
                        engine="sqlite"
                        if dbcopy.is_sqlite(connections[alias].settings_dict)
                        else "postgresql",
                        migrations=snap.migrations,
                        counts=snap.counts,
                        parts=parts,
                        keys_from_env=_keys_from_env(),
                    )
                    data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
                    _add(tar, mf.MANIFEST, io.BytesIO(data), len(data), timezone.now().timestamp())
                writer.close()
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(partial, out)
    except subprocess.CalledProcessError as exc:
        raise BackupError(f"pg_dump failed: {exc.stderr.decode(errors='replace').strip()[-2000:]}") from exc
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(path=out, size=out.stat().st_size, manifest=manifest)


# --- restore --------------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    verify_output: str
    warnings: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # where the replaced data was put aside
    swapped: bool = False


def _safe_part(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"part {name} has an unsafe name")
    if name != mf.MANIFEST and not name.startswith(mf.PREFIXES):
        raise BackupError(f"part {name} is not a part a backup has")
    return path


def _extract(archive: Path, key: Passphrase | Recipient, into: Path) -> dict[str, tuple[str, int]]:
    """Decrypt and unpack every part into ``into``; each part's (sha256, size)."""
    found: dict[str, tuple[str, int]] = {}
    current = "(the archive's start)"
    try:
        with archive.open("rb") as source:
            reader = DecryptingReader(source, key)
            with tarfile.open(fileobj=reader, mode="r|") as tar:
                for member in tar:
                    current = member.name
                    if not member.isfile():
                        raise BackupError(f"part {member.name} is not a regular file")
                    dest = into / _safe_part(member.name)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    digest = hashlib.sha256()
                    size = 0
                    stream = tar.extractfile(member)
                    if stream is None:  # never for a regular file (checked above)
                        raise BackupError(f"part {member.name} is not a regular file")
                    with dest.open("wb") as out:
                        while chunk := stream.read(1024 * 1024):
                            digest.update(chunk)
                            size += len(chunk)
                            out.write(chunk)
                    found[member.name] = (digest.hexdigest(), size)
            reader.drain()
    except ArchiveError as exc:
        raise BackupError(f"{exc} (in or after part {current})") from exc
    except tarfile.TarError as exc:
        raise BackupError(f"the archive's content is damaged after part {current}: {exc}") from exc
    except OSError as exc:
        raise BackupError(f"cannot read {archive}: {exc}") from exc
    return found


def _known_migrations() -> dict[str, set[str]]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known: dict[str, set[str]] = {}
    for app, name in loader.disk_migrations:
        known.setdefault(app, set()).add(name)
    return known


def _run_weibao(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "weibao.cli", *args], env=env, capture_output=True, text=True, timeout=3600
    )
    output = (result.stdout + result.stderr).strip()
    if result.returncode != 0:
        raise BackupError(f"`weibao {' '.join(args)}` failed on the restored copy: {output[-3000:]}")
    return output


def _media_in_use(media_root: Path) -> bool:
    return media_root.is_dir() and any(p.is_file() for p in media_root.rglob("*"))


def backup_restore(
    *,
    archive: Path,
    key: Passphrase | Recipient,
    force: bool = False,
    swap: bool = True,
    alias: str = "default",
    db: dict[str, Any] | None = None,
    var_dir: Path | None = None,
    log: Callable[[str], None] = lambda line: None,
) -> RestoreResult:
    """Restore ``archive`` into the installation (``db``/``var_dir`` default to this one's).

    Refuses an installation holding data unless ``force`` (the replaced data is then put aside,
    not deleted). With ``swap=False`` everything is checked on the staged copy and then thrown
    away: the weekly restore test."""
    var_dir = Path(var_dir or settings.VAR_DIR)
    var_dir.mkdir(parents=True, exist_ok=True)
    db = dict(db or connections[alias].settings_dict)
    media_root = var_dir / "media"
    if swap and not force and (dbcopy.holds_data(db) or _media_in_use(media_root)):
        raise RestoreRefused(
            "this installation already holds data (users, organisations, audit records or uploaded "
            "files): restore into an empty one, or give --force to replace it"
        )
    tag = f"restore_{timezone.now():%Y%m%d%H%M%S}_{uuid.uuid4().hex[:6]}"
    staging = var_dir / f".{tag}"
    staging.mkdir(mode=0o700)  # the keys pass through it
    staged: dbcopy.Staged | None = None
    result: RestoreResult | None = None
    try:
        parts_dir = staging / "parts"
        log(f"reading {archive}")
        found = _extract(Path(archive), key, parts_dir)
        if mf.MANIFEST not in found:
            raise BackupError(f"part {mf.MANIFEST} is missing: the archive is incomplete")
        manifest = json.loads((parts_dir / mf.MANIFEST).read_text())
        del found[mf.MANIFEST]
        try:
            mf.check_parts(manifest, found)
        except mf.ManifestError as exc:
            raise BackupError(str(exc)) from exc
        log(f"{len(found)} parts match their SHA-256")
        engine = "sqlite" if dbcopy.is_sqlite(db) else "postgresql"
        if manifest.get("database") != engine:
            raise BackupError(
                f"the backup is of a {manifest.get('database')} database; this installation uses {engine}"
            )
        newer = mf.newer_migrations(manifest.get("migrations", {}), _known_migrations())
        if newer:
            raise BackupError(
                f"the backup was made by a newer Weibao (unknown migrations: {', '.join(newer[:5])})"
            )
        db_part = next((name for name in found if name.startswith("database/")), None)
        if db_part is None:
            raise BackupError("the archive has no database part")
        staged = dbcopy.stage(db, parts_dir / db_part, staging_dir=staging, tag=tag)
        counts, _ = staged.facts()
        mismatches = mf.count_mismatches(manifest.get("counts", {}), counts)
        if mismatches:
            raise BackupError("row counts differ from the manifest: " + "; ".join(mismatches[:10]))
        log("row counts match the manifest")

        # The staged installation: its own var/ with the archive's keys and files.
        staged_var = staging / "var"
        staged_var.mkdir()
        if (parts_dir / "media").is_dir():
            shutil.move(parts_dir / "media", staged_var / "media")
        else:
            (staged_var / "media").mkdir()
        for name in mf.KEY_FILES:
            if (parts_dir / "keys" / name).is_file():
                shutil.move(parts_dir / "keys" / name, staged_var / name)
        env = {**os.environ, "DATABASE_URL": staged.url, "WEIBAO_VAR_DIR": str(staged_var)}
        env.pop("REDIS_URL", None)  # the staged copy must not share the live cache or job queue
        if (staged_var / "audit-anchor.log").exists():
            env["WEIBAO_AUDIT_ANCHOR_FILE"] = str(staged_var / "audit-anchor.log")
        warnings = [
            f"the key {name} was given by {mf.KEY_ENV[name]} when the backup was made and is not in it: "
            f"set {mf.KEY_ENV[name]} here"
            + ("" if os.environ.get(mf.KEY_ENV[name]) else " (it is not set now)")
            for name in manifest.get("keys_from_env", [])
        ]
        for name in manifest.get("keys_from_env", []):
            if name == "secret_key" and "SECRET_KEY" not in os.environ:
                # The staged process must not invent a key that then looks restored.
                env["SECRET_KEY"] = "restore-check-" + uuid.uuid4().hex
        migrated = _run_weibao(["migrate", "--no-input"], env)
        log(migrated.splitlines()[-1] if migrated else "migrations: nothing to apply")
        verify = _run_weibao(["audit", "verify"], env)
        log(verify)
        result = RestoreResult(manifest=manifest, verify_output=verify, warnings=warnings)
        if swap:
            stamp = f"before_restore_{timezone.now():%Y%m%d%H%M%S}"
            try:
                kept = staged.swap_in(keep_old_as=stamp)
            except Exception as exc:
                raise BackupError(
                    f"the checked copy could not replace the database (is the site still running?): {exc}"
                ) from exc
            staged = None
            if kept:
                result.kept.append(kept)
            if media_root.exists():
                if _media_in_use(media_root):
                    aside = var_dir / f"media.{stamp}"
                    media_root.rename(aside)
                    result.kept.append(str(aside))
                else:
                    shutil.rmtree(media_root)
            shutil.move(staged_var / "media", media_root)
            for name, target in _key_paths(var_dir).items():
                source = staged_var / name
                if not source.is_file() or f"keys/{name}" not in manifest["parts"]:
                    continue
                if target.exists() and target.read_bytes() != source.read_bytes():
                    target.rename(target.with_name(f"{target.name}.{stamp}"))
                    result.kept.append(str(target.with_name(f"{target.name}.{stamp}")))
                shutil.move(source, target)
                os.chmod(target, 0o600)
            from weibao.core import crypto

            crypto._fernet.cache_clear()
            result.swapped = True
        return result
    finally:
        if staged is not None:
            staged.discard()
        shutil.rmtree(staging, ignore_errors=True)
