"""Writes sent as one batch: the rows come out as the ORM would have written them, in one round
trip on PostgreSQL, and all or none of them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from weibao.accounts.models import Organization
from weibao.core.db.batch import batches_in_one_query, execute_batch, insert_statement

pytestmark = pytest.mark.django_db


AT = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)


def _orgs(*codes: str) -> list[Organization]:
    return [Organization(kind="hospital", name=f"医院{c}", short_code=c, created_at=AT) for c in codes]


def test_batched_inserts_write_what_the_orm_would():
    by_orm = Organization.objects.create(kind="hospital", name="医院A", short_code="A", created_at=AT)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        execute_batch([insert_statement(_orgs("B", "C")), insert_statement(_orgs("D"))])
    assert len(queries) == (1 if batches_in_one_query() else 2)
    fields = [
        f.attname for f in Organization._meta.concrete_fields if f.attname not in {"id", "name", "short_code"}
    ]
    rows = list(
        Organization.objects.filter(short_code__in="ABCD")
        .order_by("short_code")
        .values(*fields, "short_code")
    )
    assert [r.pop("short_code") for r in rows] == ["A", "B", "C", "D"]
    expected = {f: getattr(by_orm, f) for f in fields}
    assert all(r == expected for r in rows) and expected["created_at"] == AT


def test_a_failing_statement_undoes_the_batch():
    Organization.objects.create(kind="hospital", name="医院A", short_code="A")
    before = Organization.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        execute_batch([insert_statement(_orgs("E")), insert_statement(_orgs("A"))])  # A exists
    assert Organization.objects.count() == before
    assert not Organization.objects.filter(short_code="E").exists()


def test_a_statement_compiled_once_binds_each_call_s_values():
    """The second insert of a shape reuses the first's SQL; values with quotes, ``%`` and
    placeholders in them go in as data, also when the batch is sent as one query."""
    tricky = ["O'Brien; DROP TABLE x", "100% %s %(x)s", "医院\\n"]
    first = insert_statement(_orgs("F"))
    statements = []
    for code, name in zip("GHI", tricky, strict=True):
        (org,) = _orgs(code)
        org.name = name
        statements.append(insert_statement([org]))
    assert {sql for sql, _ in statements} == {first[0]}
    with transaction.atomic():
        execute_batch([first, *statements])
    names = dict(Organization.objects.filter(short_code__in="FGHI").values_list("short_code", "name"))
    assert names == {"F": "医院F", "G": tricky[0], "H": tricky[1], "I": tricky[2]}


def test_an_expression_takes_the_orm_path():
    from django.db.models.functions import Now

    plain_sql, _ = insert_statement(_orgs("L"))  # this shape's SQL is now kept
    (org,) = _orgs("J")
    org.created_at = Now()
    sql, params = insert_statement([org])
    assert sql != plain_sql and len(params) == sql.count("%s") == plain_sql.count("%s") - 1
    assert insert_statement(_orgs("M"))[0] == plain_sql  # and an expression did not replace it
    with transaction.atomic():
        execute_batch([(sql, params), insert_statement(_orgs("K"))])
    rows = dict(Organization.objects.filter(short_code__in="JK").values_list("short_code", "created_at"))
    assert rows["K"] == AT and rows["J"] > AT


@pytest.mark.django_db(transaction=True)
def test_a_committed_batch_is_its_own_transaction():
    """``commit=True``: the rows are committed when it returns (another connection sees them), a
    failing statement leaves none of them, and it refuses to run inside another transaction."""
    from django.db import connections

    execute_batch([insert_statement(_orgs("N")), insert_statement(_orgs("O", "P"))], commit=True)
    assert not connection.in_atomic_block
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute(
                f"SELECT short_code FROM {Organization._meta.db_table} WHERE short_code IN ('N', 'O', 'P')"
            )
            assert sorted(r[0] for r in cursor.fetchall()) == ["N", "O", "P"]
    finally:
        other.close()
    with pytest.raises(IntegrityError):
        execute_batch([insert_statement(_orgs("Q")), insert_statement(_orgs("N"))], commit=True)
    assert not Organization.objects.filter(short_code="Q").exists()
    with pytest.raises(ValueError, match="inside another"), transaction.atomic():
        execute_batch([insert_statement(_orgs("R"))], commit=True)
