"""Copying the database out and back in, on SQLite and on PostgreSQL.

Both copies are taken while the site runs and see one instant: SQLite's online backup API copies
every page in one step under a read lock (writers in WAL mode go on); on PostgreSQL ``pg_dump``
runs on a snapshot exported by a repeatable-read transaction that also counts the rows and reads
the migrations, so the counts in the manifest are the copy's own.

A restore never writes into the installation's database: it loads the copy into a staging file
or a new database, which is checked and then swapped in (a rename).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.db import connections

#: Tables whose rows mean "this installation is in use" (a fresh ``migrate`` fills others).
DATA_TABLES = ("accounts_user", "accounts_organization", "audit_auditevent")


@dataclass(frozen=True)
class Snapshot:
    part: str  # the archive name of the copy
    counts: dict[str, int]
    migrations: dict[str, list[str]]


def is_sqlite(db: dict[str, Any]) -> bool:
    return "sqlite" in db["ENGINE"]


# --- SQLite ---------------------------------------------------------------------------------------


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {name: conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in names}


def _migrations(rows) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in rows:
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def sqlite_file_facts(path: Path) -> tuple[dict[str, int], dict[str, list[str]]]:
    conn = sqlite3.connect(path)
    try:
        counts = _sqlite_counts(conn)
        rows = (
            conn.execute("SELECT app, name FROM django_migrations").fetchall()
            if "django_migrations" in counts
            else []
        )
        return counts, _migrations(rows)
    finally:
        conn.close()


def _sqlite_snapshot(alias: str, out: Path) -> Snapshot:
    connection = connections[alias]
    connection.ensure_connection()
    target = sqlite3.connect(out)
    try:
        # pages=-1: every page in one step, so the copy is one instant of the database.
        connection.connection.backup(target, pages=-1)
    finally:
        target.close()
    counts, migrations = sqlite_file_facts(out)
    return Snapshot("database/weibao.sqlite3", counts, migrations)


# --- PostgreSQL -----------------------------------------------------------------------------------


def pg_env(db: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    return env


def pg_url(db: dict[str, Any], name: str) -> str:
    auth = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{'@' if auth else ''}{host}{port}/{quote(name, safe='')}"


def _pg_connect(db: dict[str, Any], name: str):
    import psycopg

    return psycopg.connect(
        dbname=name,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        autocommit=True,
    )


def _pg_counts(cur) -> dict[str, int]:
    cur.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
    names = [r[0] for r in cur.fetchall()]
    counts = {}
    for name in names:
        cur.execute(f'SELECT COUNT(*) FROM "{name}"')
        counts[name] = cur.fetchone()[0]
    return counts


def pg_facts(db: dict[str, Any], name: str) -> tuple[dict[str, int], dict[str, list[str]]]:
    with _pg_connect(db, name) as conn, conn.cursor() as cur:
        counts = _pg_counts(cur)
        rows = []
        if "django_migrations" in counts:
            cur.execute("SELECT app, name FROM django_migrations")
            rows = cur.fetchall()
        return counts, _migrations(rows)


def _pg_snapshot(db: dict[str, Any], out: Path) -> Snapshot:
    with _pg_connect(db, db["NAME"]) as conn, conn.cursor() as cur:
        conn.autocommit = False
        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cur.execute("SELECT pg_export_snapshot()")
        snapshot = cur.fetchone()[0]
        counts = _pg_counts(cur)
        cur.execute("SELECT app, name FROM django_migrations")
        migrations = _migrations(cur.fetchall())
        # The transaction stays open while pg_dump reads the same snapshot.
        subprocess.run(
            [
                "pg_dump",
                "-Fc",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                "-f",
                str(out),
                db["NAME"],
            ],
            env=pg_env(db),
            check=True,
            capture_output=True,
        )
        conn.rollback()
    return Snapshot("database/weibao.pgdump", counts, migrations)


# --- both -----------------------------------------------------------------------------------------


def snapshot(alias: str, out_dir: Path) -> tuple[Snapshot, Path]:
    """Copy the database ``alias`` into ``out_dir``; the copy's part name, counts and migrations."""
    db = connections[alias].settings_dict
    if is_sqlite(db):
        path = out_dir / "weibao.sqlite3"
        return _sqlite_snapshot(alias, path), path
    path = out_dir / "weibao.pgdump"
    return _pg_snapshot(db, path), path


def holds_data(db: dict[str, Any]) -> bool:
    """Whether the database has users, organisations or audit records (missing tables: no)."""
    if is_sqlite(db):
        path = Path(db["NAME"])
        if not path.exists():
            return False
        conn = sqlite3.connect(path)
        try:
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            return any(
                conn.execute(f'SELECT 1 FROM "{t}" LIMIT 1').fetchone() for t in DATA_TABLES if t in names
            )
        finally:
            conn.close()
    import psycopg

    try:
        conn = _pg_connect(db, db["NAME"])
    except psycopg.OperationalError:  # no such database: nothing in it
        return False
    with conn, conn.cursor() as cur:
        for table in DATA_TABLES:
            cur.execute("SELECT to_regclass(%s)", [table])
            if cur.fetchone()[0] is None:
                continue
            cur.execute(f'SELECT 1 FROM "{table}" LIMIT 1')
            if cur.fetchone():
                return True
    return False


@dataclass
class Staged:
    """A copy loaded where it does not disturb the installation, ready to be checked and swapped."""

    db: dict[str, Any]  # the target's settings
    url: str  # DATABASE_URL of the staged copy
    path: Path | None = None  # SQLite: the staged file
    name: str | None = None  # PostgreSQL: the staged database

    def facts(self) -> tuple[dict[str, int], dict[str, list[str]]]:
        if self.path is not None:
            return sqlite_file_facts(self.path)
        return pg_facts(self.db, self.name)

    def discard(self) -> None:
        if self.path is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        elif self.name:
            with _pg_connect(self.db, "postgres") as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def swap_in(self, *, keep_old_as: str) -> str | None:
        """Put the staged copy in the target's place; the old one is kept under ``keep_old_as``
        (its name returned) when it held anything, else removed."""
        connections.close_all()
        if self.path is not None:
            target = Path(self.db["NAME"])
            kept = None
            if target.exists() and holds_data(self.db):
                kept = f"{target}.{keep_old_as}"
                _checkpoint(target)
                shutil.move(target, kept)
            # A WAL left by the old file must never be replayed into the new one.
            for suffix in ("", "-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            shutil.move(self.path, target)
            return kept
        target = self.db["NAME"]
        full = holds_data(self.db)
        with _pg_connect(self.db, "postgres") as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [target]).fetchone()
            kept = None
            if exists and full:
                kept = f"{target}_{keep_old_as}"[:63]
                conn.execute(f'ALTER DATABASE "{target}" RENAME TO "{kept}"')
            elif exists:
                conn.execute(f'DROP DATABASE "{target}" WITH (FORCE)')
            try:
                conn.execute(f'ALTER DATABASE "{self.name}" RENAME TO "{target}"')
            except Exception:
                if kept:  # put the old one back: never leave the installation without its database
                    conn.execute(f'ALTER DATABASE "{kept}" RENAME TO "{target}"')
                raise
        return kept


def _checkpoint(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def stage(db: dict[str, Any], part: Path, *, staging_dir: Path, tag: str) -> Staged:
    """Load the copy ``part`` next to the target database ``db`` (a file in ``staging_dir``, or a
    new PostgreSQL database named after the target and ``tag``)."""
    if is_sqlite(db):
        path = staging_dir / "weibao.sqlite3"
        shutil.move(part, path)
        return Staged(db=db, url=f"sqlite:///{path}", path=path)
    name = f"{db['NAME']}_{tag}"[:63]
    with _pg_connect(db, "postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    staged = Staged(db=db, url=pg_url(db, name), name=name)
    result = subprocess.run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            "-d",
            name,
            str(part),
        ],
        env=pg_env(db),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        staged.discard()
        raise RuntimeError(f"pg_restore failed: {result.stderr.strip()[-2000:]}")
    return staged
