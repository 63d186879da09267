"""The PostgreSQL backend's health check: skipped for a connection just seen working, made for
one not seen working for longer, and a connection the server cut meanwhile is replaced before
the request uses it."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connections

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connections["default"].vendor != "postgresql", reason="PostgreSQL backend only"),
]


def _terminate(pid: int) -> None:
    s = connections["default"].settings_dict
    params = {"host": s["HOST"], "port": s["PORT"], "user": s["USER"], "password": s["PASSWORD"]}
    with psycopg.connect(
        dbname=s["NAME"], autocommit=True, **{k: v for k, v in params.items() if v}
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_the_health_check_runs_only_for_a_connection_not_seen_working_lately(monkeypatch):
    db = connections["default"]
    db.ensure_connection()
    monkeypatch.setattr(db, "health_check_enabled", True)  # as in production (tests turn it off)
    checks: list[bool] = []
    real = db.is_usable
    monkeypatch.setattr(db, "is_usable", lambda: checks.append(True) or real())

    db._seen_working_at = float("-inf")  # not seen working yet
    db.health_check_done = False
    db.close_if_health_check_failed()
    assert checks == [True]  # never seen working yet: checked
    db.health_check_done = False
    db.close_if_health_check_failed()
    assert checks == [True] and db.health_check_done  # seen working just now: not checked

    pid = db.connection.info.backend_pid
    _terminate(pid)
    db._seen_working_at -= 5  # five seconds later
    db.health_check_done = False
    db.close_if_health_check_failed()
    assert checks == [True, True]
    with db.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_a_commit_counts_as_seen_working():
    db = connections["default"]
    db.ensure_connection()
    db._seen_working_at = float("-inf")
    db.set_autocommit(False)
    try:
        with db.cursor() as cursor:
            cursor.execute("SELECT 1")
        db.commit()
    finally:
        db.set_autocommit(True)
    assert db._seen_working_at > float("-inf")
