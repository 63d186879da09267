"""``column = ANY(%s)``: a list of ids bound as one array on PostgreSQL.

A vendor manager's scope names 200 contracts, so every query of theirs carried 200 placeholders:
psycopg splits and quotes such a statement anew on each call (it caches only short ones), and
Django builds each placeholder. Bound as one array parameter the statement stays short, and
PostgreSQL plans ``= ANY(array)`` exactly as it plans ``IN (…)`` (it rewrites the one into the
other). Elsewhere (SQLite) it is a plain ``IN (…)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import F, Lookup, Q


class AnyOf(Lookup):
    """``lhs`` is one of the ids in ``rhs`` (an iterable of ints)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, params = self.process_lhs(compiler, connection)
        ids = [int(i) for i in self.rhs]
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", (*params, ids)
        if not ids:
            return "1 = 0", tuple(params)
        return f"{lhs} IN ({', '.join(['%s'] * len(ids))})", (*params, *ids)


#: Up to this many ids are written out (``IN (5)`` is planned as ``= 5``, with the estimates of
#: an equality; ``= ANY('{5}')`` is not simplified so).
WRITTEN_OUT = 16


def ids_q(field: str, ids: Iterable[int]) -> Q:
    """The filter ``field`` is one of ``ids`` (a lookup path, as for ``field__in``)."""
    ordered = sorted(ids)
    if len(ordered) <= WRITTEN_OUT:
        return Q(**{f"{field}__in": ordered})
    return Q(AnyOf(F(field), tuple(ordered)))
