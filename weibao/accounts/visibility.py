"""Who may see what: a user's scope, computed once per request from their memberships.

Contract-level access (a vendor's contracts, an auditor's granted contracts) is supplied by the
apps that own contracts through :func:`register_contract_source`, so this module does not depend
on them.
"""

from __future__ import annotations

import os
import pickle
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils import timezone

from .choices import OrgKind, Role


@dataclass(frozen=True)
class Scope:
    """What a user may see.

    ``hospital_ids``: hospitals whose records are visible in full (own hospital, auditor grants).
    ``contract_ids``: contracts whose records are visible (a vendor's contracts).
    ``contract_hospital_ids``: the hospitals of those contracts (their hospital-level records).
    ``outside_contract_ids``: the contracts among ``contract_ids`` whose hospital is not already
    in ``hospital_ids`` (the only ones a filter must name: the rest are visible by hospital).
    ``org_ids``: the user's own organisations. ``partner_org_ids``: organisations the user's
    organisations hold contracts with (a hospital sees its vendors' names).
    """

    everything: bool = False
    hospital_ids: frozenset[int] = field(default_factory=frozenset)
    contract_ids: frozenset[int] = field(default_factory=frozenset)
    contract_hospital_ids: frozenset[int] = field(default_factory=frozenset)
    org_ids: frozenset[int] = field(default_factory=frozenset)
    partner_org_ids: frozenset[int] = field(default_factory=frozenset)
    outside_contract_ids: frozenset[int] = field(default_factory=frozenset)


#: A contract source returns (contract_id, hospital_id, vendor_id) triples visible to a user.
ContractSource = Callable[[Any, Scope], Iterable[tuple[int, int, int]]]
_contract_sources: list[ContractSource] = []

NOTHING = Scope()
EVERYTHING = Scope(everything=True)


def register_contract_source(source: ContractSource) -> None:
    """Let an app (contracts) tell which contracts a user sees beyond their hospital."""
    if source not in _contract_sources:
        _contract_sources.append(source)


#: How long a computed scope (and an API token's user, see :mod:`weibao.accounts.tokens`) may be
#: reused across requests. Every change that widens or narrows a scope (memberships, grants,
#: contracts, users, tokens) bumps a generation that is part of every cache key, so no process
#: serves a scope from before the change once it has committed.
SCOPE_SECONDS = 15
_GENERATION_KEY = "wb:scope:generation"


def _shared_cache() -> bool:
    from django.conf import settings

    return "locmem" not in settings.CACHES["default"]["BACKEND"].lower()


def _generation_file() -> Path:
    from django.conf import settings

    return Path(settings.VAR_DIR) / "scope.generation"


def generation() -> int:
    """The current generation. With a shared cache (Redis) it is a counter in the cache; with the
    embedded per-process cache it is the modification time of a file, so that the web workers and
    the job worker see each other's changes (one ``stat`` per request)."""
    if _shared_cache():
        from django.core.cache import cache

        return cache.get(_GENERATION_KEY) or _start_generation()
    try:
        return os.stat(_generation_file()).st_mtime_ns
    except FileNotFoundError:
        return 0


#: Entries also kept in this process (pickled, so every read gets its own copy), for callers that
#: already know the current generation: an API request learns it with its token (see
#: :mod:`weibao.accounts.tokens`) and then reads, say, the service term of a report without a
#: second round trip to the shared cache.
_LOCAL: dict[str, tuple[int, float, bytes]] = {}
_LOCAL_LIMIT = 10_000


def _start_generation() -> int:
    """A shared cache without a generation (new, restarted or flushed) starts from the clock, not
    from 0: a generation is never used twice, so no process takes an entry it kept from before
    for a current one."""
    from django.core.cache import cache

    cache.add(_GENERATION_KEY, time.time_ns(), None)
    return cache.get(_GENERATION_KEY, 0)


def forget_local() -> None:
    """Drop this process's copies (tests: the next test's rows reuse the ids)."""
    _LOCAL.clear()


def cached_at_generation(key: str, current: int | None = None) -> tuple[int, Any]:
    """The current generation and what the cache holds under ``key`` (None if nothing), in one
    round trip to a shared cache. Entries stored with :func:`cache_at_generation` are returned
    only if they were stored at the current generation. A caller that passes the ``current``
    generation it has read may be answered from this process's copy, with no round trip."""
    from django.core.cache import cache

    known = current is not None
    local = _LOCAL.get(key) if known else None
    if local is not None and local[0] == current and local[1] > time.monotonic():
        return current, pickle.loads(local[2])
    if _shared_cache():
        found = cache.get_many([_GENERATION_KEY, key])
        current, entry = found.get(_GENERATION_KEY) or _start_generation(), found.get(key)
    else:
        current, entry = generation(), cache.get(key)
    if entry is None or entry[0] != current:
        return current, None
    if known:
        _keep_local(key, current, entry[1])
    return current, entry[1]


def cache_at_generation(key: str, current: int, value: Any, *, local: bool = False) -> None:
    """Keep ``value`` under ``key`` at generation ``current``; with ``local``, in this process too
    (for callers of :func:`cached_at_generation` that pass the generation)."""
    from django.core.cache import cache

    cache.set(key, (current, value), SCOPE_SECONDS)
    if local:
        _keep_local(key, current, value)


def _keep_local(key: str, current: int, value: Any) -> None:
    if len(_LOCAL) >= _LOCAL_LIMIT:
        _LOCAL.clear()
    # No longer than the shared entry: some scopes end with the clock (an auditor's grant).
    _LOCAL[key] = (current, time.monotonic() + SCOPE_SECONDS, pickle.dumps(value, pickle.HIGHEST_PROTOCOL))


def invalidate_scopes() -> None:
    """Call after any change to memberships, grants or contracts."""
    if _shared_cache():
        from django.core.cache import cache

        try:
            cache.incr(_GENERATION_KEY)
        except ValueError:
            _start_generation()
        return
    path = _generation_file()
    stamp = max(time.time_ns(), generation() + 1)
    path.touch()
    os.utime(path, ns=(stamp, stamp))


def changed_scopes() -> None:
    """Inside a service that changes who sees what: forget cached scopes now and after commit
    (a request running meanwhile may have cached one from before the change)."""
    from django.db import transaction

    invalidate_scopes()
    transaction.on_commit(invalidate_scopes)


def user_scope(user: Any) -> Scope:
    """The scope of ``user``: cached on the user object for the request, and in the cache for
    :data:`SCOPE_SECONDS` across requests (it costs two queries to compute)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    cached = getattr(user, "_scope_cache", None)
    if cached is not None:
        return cached
    key = f"wb:scope:v2:{user.pk}"
    current, scope = cached_at_generation(key)
    if scope is None:
        scope = _compute_scope(user)
        cache_at_generation(key, current, scope)
    user._scope_cache = scope
    return scope


def _compute_scope(user: Any) -> Scope:
    from .models import AccessGrant

    if user.is_platform_admin:
        return EVERYTHING
    memberships = user.active_memberships()
    org_ids = frozenset(m.organization_id for m in memberships)
    hospital_ids = {m.organization_id for m in memberships if m.organization.kind == OrgKind.HOSPITAL}
    if any(m.role == Role.AUDITOR for m in memberships):
        today = timezone.localdate()
        hospital_ids |= {
            g.hospital_id
            # Only hospitals: a grant naming any other organisation (possible before grants were
            # checked) gives nothing.
            for g in AccessGrant.objects.filter(user=user, hospital__kind=OrgKind.HOSPITAL)
            if g.valid_until is None or g.valid_until >= today
        }
    base = Scope(org_ids=org_ids, hospital_ids=frozenset(hospital_ids))
    contract_ids: set[int] = set()
    outside: set[int] = set()
    contract_hospitals: set[int] = set()
    partners: set[int] = set()
    for source in _contract_sources:
        for contract_id, hospital_id, vendor_id in source(user, base):
            contract_ids.add(contract_id)
            if hospital_id not in hospital_ids:
                outside.add(contract_id)
            contract_hospitals.add(hospital_id)
            partners.update((hospital_id, vendor_id))
    return Scope(
        org_ids=org_ids,
        hospital_ids=frozenset(hospital_ids),
        contract_ids=frozenset(contract_ids),
        contract_hospital_ids=frozenset(contract_hospitals),
        partner_org_ids=frozenset(partners - set(org_ids)),
        outside_contract_ids=frozenset(outside),
    )
