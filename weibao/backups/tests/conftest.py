"""Fixtures of the backup tests: a source installation with its own var/ and keys, and an empty
target installation (a fresh var/ with a new SQLite file, or a new PostgreSQL database)."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from weibao.backups import dbcopy
from weibao.backups.archive import Passphrase
from weibao.core import crypto

KEY = Passphrase(b"correct horse battery staple")


@pytest.fixture
def source(tmp_path, settings):
    """This test process's database with a var/ of its own: every key file present."""
    var = tmp_path / "source"
    (var / "media").mkdir(parents=True)
    settings.VAR_DIR = var
    settings.MEDIA_ROOT = var / "media"
    (var / "secret_key").write_text(settings.SECRET_KEY)
    (var / "audit.key").write_text(secrets.token_hex(32))
    # The chain's anchors live in this var/ too (a real one is written by each verify).
    settings.WEIBAO_AUDIT_ANCHOR_FILE = var / "audit-anchor.log"
    crypto._fernet.cache_clear()
    yield var
    crypto._fernet.cache_clear()


@dataclass
class Target:
    var: Path
    db: dict[str, Any]
    url: str


def _scratch_name(suffix: str) -> str:
    base = connection.settings_dict["NAME"]
    base = base.removeprefix("test_")
    return f"{base}_{suffix}_{uuid.uuid4().hex[:8]}"[:63]


@pytest.fixture
def target(tmp_path):
    """An empty installation to restore into."""
    var = tmp_path / "target"
    var.mkdir()
    if connection.vendor == "sqlite":
        path = var / "weibao.sqlite3"
        yield Target(var, {"ENGINE": "weibao.core.db.sqlite3", "NAME": str(path)}, f"sqlite:///{path}")
        return
    db = {**connection.settings_dict, "NAME": _scratch_name("rt")}
    with dbcopy._pg_connect(db, "postgres") as conn:
        conn.execute(f'CREATE DATABASE "{db["NAME"]}"')
    yield Target(var, db, dbcopy.pg_url(db, db["NAME"]))
    with dbcopy._pg_connect(db, "postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')
