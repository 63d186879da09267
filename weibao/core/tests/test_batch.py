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
