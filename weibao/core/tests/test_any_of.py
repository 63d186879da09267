"""``ids_q``: a long list of ids bound as one array on PostgreSQL, written out elsewhere and
when short; either way exactly the rows named."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from weibao.core.db.any_of import WRITTEN_OUT, ids_q

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("n", [0, 1, WRITTEN_OUT, WRITTEN_OUT + 1, 40])
def test_exactly_the_rows_named(n):
    every = list(ContentType.objects.order_by("pk").values_list("pk", flat=True))
    assert len(every) > 2 * 40
    chosen = every[1::2][:n]
    with CaptureQueriesContext(connection) as queries:
        got = sorted(ContentType.objects.filter(ids_q("pk", chosen)).values_list("pk", flat=True))
    assert got == chosen
    if n == 0:  # Django knows an empty IN matches nothing and asks the database nothing
        assert not queries.captured_queries
        return
    sql = queries.captured_queries[0]["sql"]
    if n > WRITTEN_OUT and connection.vendor == "postgresql":
        assert "= ANY(" in sql and sql.count(",") < 40  # one array, not a placeholder per id
    else:
        assert "= ANY(" not in sql


def test_combined_with_or_and_other_filters():
    every = list(ContentType.objects.order_by("pk").values_list("pk", flat=True))
    many, few = every[:30], every[-2:]
    q = ids_q("pk", many) | ids_q("pk", few)
    assert ContentType.objects.filter(q).count() == 32
    assert ContentType.objects.filter(q, pk__gt=every[9]).count() == 22
    assert ContentType.objects.exclude(ids_q("pk", many)).count() == len(every) - 30
