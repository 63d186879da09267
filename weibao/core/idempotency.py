"""Requests that take effect once: the ``Idempotency-Key`` of an API create and the one-time
token of a report form.

The key is stored (:class:`~weibao.core.models.IdempotencyKey`, unique per user, scope and key)
in the same transaction as what the request created. A retry finds the key and gets the first
answer again instead of a second object; two requests racing with one key cannot both commit
(the second's insert of the key fails and rolls its object back), and it then answers like a
retry. A key is forgotten after :data:`TTL`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import IdempotencyKey

#: How long a key is remembered.
TTL = timedelta(hours=24)
#: The longest key accepted (the column's length).
MAX_LENGTH = 255


class KeyReused(Exception):
    """The key was used before for a different request."""


@dataclass(frozen=True)
class Outcome:
    status_code: int
    body: str
    object_id: int | None
    replayed: bool


def fingerprint(data: Any) -> str:
    """A digest of a request's content, to tell a retry from a different request with one key."""
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()


def _user_id(user: Any) -> int | None:
    return user.pk if user is not None and getattr(user, "is_authenticated", False) else None


def _live(user_id: int | None, scope: str, key: str) -> IdempotencyKey | None:
    return IdempotencyKey.objects.filter(
        user_id=user_id, scope=scope, key=key, created_at__gte=timezone.now() - TTL
    ).first()


def _replay(found: IdempotencyKey, print_: str) -> Outcome:
    if found.fingerprint != print_:
        raise KeyReused(found.key)
    return Outcome(found.status_code, found.response, found.object_id, replayed=True)


def run_once(
    *,
    user: Any,
    scope: str,
    key: str,
    request_data: Any,
    create: Callable[[], tuple[int, str, int | None]],
) -> Outcome:
    """Run ``create`` (which returns status, body and the id of what it made) once for
    ``(user, scope, key)``, in one transaction with the key; a repeat gets the first outcome.
    Raises :class:`KeyReused` when the key came with different ``request_data`` before."""
    user_id = _user_id(user)
    print_ = fingerprint(request_data)
    if (found := _live(user_id, scope, key)) is not None:
        return _replay(found, print_)
    try:
        with transaction.atomic():
            # An expired key of the same name gives way (the unique constraint spans all ages).
            IdempotencyKey.objects.filter(user_id=user_id, scope=scope, key=key).delete()
            status_code, body, object_id = create()
            IdempotencyKey.objects.create(
                user_id=user_id,
                scope=scope,
                key=key,
                fingerprint=print_,
                status_code=status_code,
                response=body,
                object_id=object_id,
            )
    except IntegrityError:
        # A concurrent request with the same key committed first: ours was rolled back whole.
        if (found := _live(user_id, scope, key)) is None:
            raise
        return _replay(found, print_)
    return Outcome(status_code, body, object_id, replayed=False)
