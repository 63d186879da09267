"""SQL: connect and run a configured query whose first value is a number, with thresholds.

PostgreSQL goes through psycopg, MySQL and MariaDB through PyMySQL. The session is read-only
(PostgreSQL's ``default_transaction_read_only``, ``SET SESSION TRANSACTION READ ONLY`` on MySQL)
and the query bounded by the deadline on the server as well as the client. A refused connection or a refused login is CRIT; a query the
server cannot run (syntax, missing table) or a value that is not a number is UNKNOWN.
"""

from __future__ import annotations

import math
import time
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import unquote, urlsplit

from .base import ConfigError, Deadline, Metric, ProbeFailure, ProbeResult, SqlOptions, Target, guarded, judge

POSTGRES = {"postgres", "postgresql", "psql", "pg"}
MYSQL = {"mysql", "mariadb", "pymysql"}
MYSQL_READ_ONLY_TRANSACTION = 1792  # ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION


def driver_of(options: SqlOptions) -> str:
    name = (options.driver or urlsplit(options.dsn).scheme.split("+")[0]).lower()
    if name in POSTGRES:
        return "postgresql"
    if name in MYSQL:
        return "mysql"
    raise ConfigError(f"unknown SQL driver {name or '(none)'!r}: use postgresql or mysql")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _postgres(target: Target, options: SqlOptions, deadline: Deadline) -> tuple[Any, ...] | None:
    import psycopg

    overrides: dict[str, Any] = {}
    if target.host:
        overrides["host"] = target.host
    if target.port is not None:
        overrides["port"] = target.port
    budget_ms = max(1, int(deadline.remaining() * 1000))
    try:
        conn = psycopg.connect(
            options.dsn,
            # libpq counts whole seconds and takes 2 as its least
            connect_timeout=max(2, math.ceil(deadline.remaining())),
            options=f"-c default_transaction_read_only=on -c statement_timeout={budget_ms}",
            autocommit=True,
            **overrides,
        )
    except psycopg.ProgrammingError as exc:  # a malformed DSN
        raise ConfigError(f"bad DSN: {_first_line(exc)}") from exc
    except psycopg.OperationalError as exc:
        raise ProbeFailure(f"cannot connect to PostgreSQL: {_first_line(exc)}") from exc
    with conn:
        try:
            row = conn.execute(options.query).fetchone()
        except psycopg.errors.QueryCanceled as exc:
            raise ProbeFailure(f"query timed out: {_first_line(exc)}") from exc
        except (psycopg.ProgrammingError, psycopg.DataError, psycopg.errors.ReadOnlySqlTransaction) as exc:
            raise ConfigError(f"query failed: {_first_line(exc)}") from exc
        except psycopg.Error as exc:  # the server is in trouble (disk, connections, shutting down)
            raise ProbeFailure(f"query failed: {_first_line(exc)}") from exc
    return row


def _mysql(target: Target, options: SqlOptions, deadline: Deadline) -> tuple[Any, ...] | None:
    import pymysql

    parts = urlsplit(options.dsn)
    try:
        port = target.port if target.port is not None else (parts.port or 3306)
    except ValueError as exc:
        raise ConfigError("bad port in DSN") from exc
    host = target.host or parts.hostname or "127.0.0.1"
    seconds = deadline.remaining()
    try:
        conn = pymysql.connect(
            host=host,
            port=port,
            user=unquote(parts.username or "root"),
            password=unquote(parts.password or ""),
            database=unquote(parts.path.lstrip("/")) or None,
            connect_timeout=seconds,
            read_timeout=seconds,
            write_timeout=seconds,
            charset="utf8mb4",
            autocommit=True,
            # a READ ONLY transaction would not do: DDL commits it implicitly and runs
            init_command="SET SESSION TRANSACTION READ ONLY",
        )
    except pymysql.err.OperationalError as exc:
        raise ProbeFailure(f"cannot connect to MySQL/MariaDB at {host}:{port}: {exc.args[-1]}") from exc
    try:
        with conn.cursor() as cursor:
            # stop the query on the server too when the budget runs out, not just stop waiting
            budget = max(0.001, deadline.remaining())
            if "mariadb" in conn.get_server_info().lower():
                cursor.execute(f"SET SESSION max_statement_time = {budget:.3f}")
            else:
                cursor.execute(f"SET SESSION max_execution_time = {int(budget * 1000)}")
            cursor.execute(options.query)
            row: tuple[Any, ...] | None = cursor.fetchone()
    except (pymysql.err.ProgrammingError, pymysql.err.DataError) as exc:
        raise ConfigError(f"query failed: {exc.args[-1]}") from exc
    except pymysql.err.MySQLError as exc:
        if exc.args and exc.args[0] == MYSQL_READ_ONLY_TRANSACTION:
            raise ConfigError(f"query failed: {exc.args[-1]}") from exc
        raise ProbeFailure(f"query failed: {exc.args[-1] if exc.args else type(exc).__name__}") from exc
    finally:
        conn.close()
    return row


def fetch_value(target: Target, options: SqlOptions, deadline: Deadline) -> tuple[object, float]:
    """The query's first value and the time connect+query took."""
    if not options.query.strip():
        raise ConfigError("no query given")
    driver = driver_of(options)
    started = time.monotonic()
    row = (
        _postgres(target, options, deadline) if driver == "postgresql" else _mysql(target, options, deadline)
    )
    elapsed = time.monotonic() - started
    if not row:
        raise ConfigError("the query returned no row")
    return row[0], elapsed


def as_number(value: object) -> float:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float | Decimal):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    if isinstance(value, datetime | date):
        raise ConfigError("the query returned a date, not a number (use the backup kind for ages)")
    raise ConfigError(f"the query returned {value!r}, not a number")


@guarded
def run(target: Target, deadline: Deadline) -> ProbeResult:
    options = target.options_as(SqlOptions)
    value, elapsed = fetch_value(target, options, deadline)
    number = as_number(value)
    warn, crit = target.thresholds()
    metrics = [Metric("value", number, warn=warn, crit=crit), Metric("time", round(elapsed, 6), "s", min=0)]
    return judge(f"{driver_of(options)} query returned {number:g} in {elapsed * 1000:.0f} ms", metrics)
