"""One cursor pagination for every list: a page of rows after a position and the position of the
next page, never a silent cut.

A list is read in its queryset's order (``order_by``, else the model's ``Meta.ordering``) with the
primary key added as the last key, so that every row has exactly one place. A cursor is that
place: the ordering keys of a page's last row as a JSON array in URL-safe base64 (the ticket
list's cursors have always been written so: ``[created_at, id]``). The next page is the rows
strictly after it, found with a ``WHERE`` on the keys rather than an ``OFFSET``: as fast at page
10,000 as at page 1, and a row added or removed between two requests neither repeats nor skips
another.

Rules: order only on columns that hold a value in every row listed (a null has no place in a
comparison), and on a relation's ``_id`` column rather than its name (the name sorts by the other
model's ordering). A cursor this list did not hand out raises :class:`BadCursor`, which the API
answers with 400 and a page of the UI with a 400 page.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import math
import operator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ValidationError
from django.db.models import Field, Q, QuerySet

from weibao.core.db import DB_INT_MAX

#: Rows on a page unless the client asks for another number.
DEFAULT_LIMIT = 50
#: The most rows a client may ask for on one page.
MAX_LIMIT = 200
#: A cursor longer than this was not written by this code.
MAX_CURSOR_LENGTH = 2000


class BadCursor(ValueError):
    """A cursor this list did not hand out: edited, cut short, or from another list or order."""


@dataclass(frozen=True)
class Key:
    """One ordering key of a list: a column (or an annotation) and its direction."""

    name: str
    descending: bool
    field: Field[Any, Any]

    @property
    def order(self) -> str:
        return f"-{self.name}" if self.descending else self.name


def ordering_keys(qs: QuerySet[Any]) -> list[Key]:
    """The keys ``qs`` is read in, ending with the primary key."""
    model = qs.model
    pk = model._meta.pk
    names = list(qs.query.order_by) or (list(model._meta.ordering) if qs.query.default_ordering else [])
    keys: list[Key] = []
    for item in names:
        if not isinstance(item, str) or item == "?" or item.startswith("--"):
            raise ImproperlyConfigured(
                f"{model.__name__}: order a paginated list by field names, not {item!r}"
            )
        descending = item.startswith("-")
        name = item.removeprefix("-")
        if name == "pk":
            name = pk.attname
        field = _field(qs, name)
        keys.append(Key(name, descending, field))
        if field is pk:  # the rest of the order can never decide anything
            return keys
    keys.append(Key(pk.attname, keys[-1].descending if keys else False, pk))
    return keys


def _field(qs: QuerySet[Any], name: str) -> Field[Any, Any]:
    if name in qs.query.annotations:
        return qs.query.annotations[name].output_field
    model = qs.model
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        raise ImproperlyConfigured(f"{model.__name__}: cannot paginate on {name!r}") from None
    if not isinstance(field, Field) or (field.is_relation and name != field.attname):
        raise ImproperlyConfigured(f"{model.__name__}: order a paginated list by {name}_id, not {name}")
    return field


def cursor_page(
    qs: QuerySet[Any], *, cursor: str | None, limit: int = DEFAULT_LIMIT
) -> tuple[list[Any], str | None]:
    """Up to ``limit`` rows of ``qs`` after ``cursor`` (from the start without one), and the cursor
    of the next page (None after the last row). ``qs`` may hold model instances or ``values()``
    dicts that include the ordering keys. Raises :class:`BadCursor`."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
    keys = ordering_keys(qs)
    qs = qs.order_by(*(key.order for key in keys))
    if cursor:
        qs = qs.filter(_after(keys, decode_cursor(cursor, keys)))
    rows = list(qs[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(keys, rows[-1])


def _after(keys: list[Key], values: list[Any]) -> Q:
    """The rows after ``values`` in the order of ``keys``: later on the first key, or equal on it
    and later on the second, and so on (later meaning smaller on a descending key)."""
    alternatives = []
    for i, key in enumerate(keys):
        equal = {k.name: v for k, v in zip(keys[:i], values[:i], strict=True)}
        later = {f"{key.name}__{'lt' if key.descending else 'gt'}": values[i]}
        alternatives.append(Q(**equal, **later))
    return functools.reduce(operator.or_, alternatives)


def encode_cursor(keys: list[Key], row: Any) -> str:
    """The cursor of the position just after ``row``."""
    values = [_plain(_value_of(row, key), key) for key in keys]
    raw = json.dumps(values, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _value_of(row: Any, key: Key) -> Any:
    if isinstance(row, dict):
        if key.name not in row:
            raise ImproperlyConfigured(f"the rows of a paginated list must carry its key {key.name!r}")
        return row[key.name]
    return getattr(row, key.name)


def _plain(value: Any, key: Key) -> Any:
    if value is None:
        raise ImproperlyConfigured(f"a paginated list met a null {key.name!r}: order by columns with values")
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)  # a Decimal, a UUID


def decode_cursor(cursor: str, keys: list[Key]) -> list[Any]:
    """The key values written in ``cursor``, checked against the keys' fields."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise BadCursor("too long")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, binascii.Error) as exc:  # UnicodeDecodeError and JSON errors are ValueErrors
        raise BadCursor("not a cursor") from exc
    if not isinstance(values, list) or len(values) != len(keys):
        raise BadCursor("not a cursor of this list")
    return [_checked(key, value) for key, value in zip(keys, values, strict=True)]


def _checked(key: Key, raw: Any) -> Any:
    """One key's value as the database compares it. What the database would choke on (a number
    beyond 64 bits, a NUL, a naive instant, an instant with no UTC year) is a bad cursor."""
    if raw is None or isinstance(raw, dict | list) or (isinstance(raw, str) and "\x00" in raw):
        raise BadCursor(key.name)
    try:
        value = key.field.to_python(raw)
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise BadCursor(key.name)
            value.astimezone(UTC)
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > DB_INT_MAX:
            raise BadCursor(key.name)
        if isinstance(value, float | Decimal) and not math.isfinite(value):
            raise BadCursor(key.name)
    except (ValidationError, ValueError, TypeError, OverflowError, ArithmeticError) as exc:
        raise BadCursor(key.name) from exc
    if value is None:
        raise BadCursor(key.name)
    return value


def request_page(request: Any, qs: QuerySet[Any], *, limit: int = DEFAULT_LIMIT) -> tuple[list[Any], str]:
    """A page of ``qs`` for a page of the UI: after the ``cursor`` of the query string, with the
    link to the next page (the same query with the next cursor; "" on the last page). A cursor
    the list did not hand out (an edited link) is a 400 page that says so."""
    from django.core.exceptions import BadRequest
    from django.utils.translation import gettext as _

    try:
        rows, next_cursor = cursor_page(qs, cursor=request.GET.get("cursor"), limit=limit)
    except BadCursor as exc:
        raise BadRequest(_("翻页链接无效：请从第一页重新打开。")) from exc
    if next_cursor is None:
        return rows, ""
    query = request.GET.copy()
    query["cursor"] = next_cursor
    return rows, f"?{query.urlencode()}"
