"""Several writes sent to the database as one batch.

A report writes its ticket, timeline, clocks and audit record: through the ORM that is one round
trip per statement, each compiled afresh and each waiting for its ``RETURNING``. Where nothing has
to come back, :func:`insert_statement` gives the ``INSERT`` without it (its SQL compiled once per
model, column set and row count), and :func:`execute_batch` sends the statements together: on
PostgreSQL with client-side parameter binding (Django's default for psycopg 3) as one simple
query, one round trip, which can also be the whole transaction, begun and committed by the server
without a round trip of its own for either; elsewhere one by one. No model signals are sent, as
with ``bulk_create``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Field, Model
from django.db.models.sql import InsertQuery

Statement = tuple[str, Sequence[Any]]

#: (alias, model, with primary key, rows) → the INSERT's SQL, for rows whose values are plain
#: (no expression) and whose fields take a plain ``%s`` (no field placing its own).
_SQL: dict[tuple[str, type[Model], bool, int], str] = {}


@functools.cache
def _insert_fields(model: type[Model], with_pk: bool) -> tuple[list[Field], bool]:
    """The fields an insert writes, and whether each takes a plain ``%s``."""
    opts = model._meta
    fields = [f for f in opts.concrete_fields if (with_pk or f is not opts.auto_field) and not f.generated]
    return fields, not any(hasattr(f, "get_placeholder") for f in fields)


def insert_statement(objs: Sequence[Model], *, using: str = DEFAULT_DB_ALIAS) -> Statement:
    """One ``INSERT`` of ``objs`` (instances of one model), without ``RETURNING``. A primary key
    left unset is left to the database; the instances count as saved afterwards."""
    if not objs:
        raise ValueError("nothing to insert")
    model = type(objs[0])
    opts = model._meta
    connection = connections[using]
    with_pk = getattr(objs[0], opts.pk.attname) is not None
    fields, plain = _insert_fields(model, with_pk)
    plain = plain and not any(
        hasattr(getattr(o, f.attname), "resolve_expression") for o in objs for f in fields
    )
    if not plain:  # the ORM places each value itself
        query = InsertQuery(model)
        query.insert_values(fields, objs, raw=False)
        statements = query.get_compiler(using=using).as_sql()
        if len(statements) != 1:  # a backend without multi-row inserts; never the case here
            raise ValueError("the rows do not fit one statement")
        sql, params = statements[0][0], list(statements[0][1])
    else:
        key = (using, model, with_pk, len(objs))
        sql = _SQL.get(key)
        if sql is None:
            # A plain multi-row VALUES list (the ORM's bulk insert on PostgreSQL passes one array
            # per column through UNNEST instead, which costs more to bind for a few rows).
            quote = connection.ops.quote_name
            row = "(" + ", ".join(["%s"] * len(fields)) + ")"
            sql = _SQL[key] = (
                f"INSERT INTO {quote(opts.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
                f"VALUES {', '.join([row] * len(objs))}"
            )
        # What the ORM's insert compiler does with each value: pre_save, then get_db_prep_save.
        params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in objs for f in fields]
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using
    return sql, params


def batches_in_one_query(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether :func:`execute_batch` sends its statements in one round trip on this database."""
    connection = connections[using]
    return connection.vendor == "postgresql" and not connection.settings_dict["OPTIONS"].get(
        "server_side_binding"
    )


def execute_batch(
    statements: Iterable[Statement], *, using: str = DEFAULT_DB_ALIAS, commit: bool = False
) -> None:
    """Run ``statements`` in order, in one round trip where the database allows it.

    Inside a transaction one statement failing undoes the others with it. With ``commit=True``
    (outside any transaction) the statements are a transaction of their own, committed when this
    returns: on PostgreSQL still one round trip, with no ``BEGIN`` and ``COMMIT`` of their own, for
    the server runs the statements of one simple query as one transaction; elsewhere inside
    ``transaction.atomic``."""
    statements = list(statements)
    connection = connections[using]
    if commit and connection.in_atomic_block:
        raise ValueError("commit=True runs its own transaction; this one is inside another")
    one_query = batches_in_one_query(using)
    if commit and not one_query:
        with transaction.atomic(using=using):
            execute_batch(statements, using=using)
        return
    with connection.cursor() as cursor:
        if (len(statements) > 1 or commit) and one_query:
            # Each statement is bound on its own (psycopg caches the parse of a short statement;
            # the joined text would be parsed afresh every time), then all go as one query.
            bind = cursor.cursor.mogrify
            cursor.execute(";\n".join(bind(sql, params) for sql, params in statements))
            # psycopg reads every statement's result here: one failing raises (and, with
            # ``commit``, the server has rolled all of them back)
            if commit and hasattr(connection, "seen_working"):
                connection.seen_working()
        else:
            for sql, params in statements:
                cursor.execute(sql, params)
