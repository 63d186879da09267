"""Entries cached at a generation: reused across requests until anything they depend on changes.

A user's scope (:func:`weibao.core.tenancy.user_scope`), an API token's user and the reference
rows a report names (:func:`weibao.core.tenancy.get_visible_reference`) are costly to read and
change rarely. They are kept in the cache for :data:`KEEP_SECONDS` under a *generation*: every
change that widens or narrows what someone sees (memberships, grants, contracts, users, tokens,
the cached reference rows: see :func:`watch_scope_models`) bumps the generation, and an entry is
used only at the generation it was stored at, so no process serves one from before the change
once it has committed.
"""

from __future__ import annotations

import os
import pickle
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

#: How long an entry stored at a generation may be reused, at most (some scopes end with the
#: clock: an auditor's grant).
KEEP_SECONDS = 15
_GENERATION_KEY = "wb:scope:generation"


def _shared_cache() -> bool:
    return "locmem" not in settings.CACHES["default"]["BACKEND"].lower()


def _generation_file() -> Path:
    return Path(settings.VAR_DIR) / "scope.generation"


def generation() -> int:
    """The current generation. With a shared cache (Redis) it is a counter in the cache; with the
    embedded per-process cache it is the modification time of a file, so that the web workers and
    the job worker see each other's changes (one ``stat`` per request)."""
    if _shared_cache():
        return cache.get(_GENERATION_KEY) or _start_generation()
    try:
        return os.stat(_generation_file()).st_mtime_ns
    except FileNotFoundError:
        return 0


#: Entries also kept in this process (pickled, so every read gets its own copy), for callers that
#: already know the current generation: a request holding its user's scope knows the generation
#: the scope was read at (an API request learns it with its token) and then reads, say, the
#: service term of a report without a second round trip to the shared cache.
_LOCAL: dict[str, tuple[int, float, bytes]] = {}
_LOCAL_LIMIT = 10_000


def _start_generation() -> int:
    """A shared cache without a generation (new, restarted or flushed) starts from the clock, not
    from 0: a generation is never used twice, so no process takes an entry it kept from before
    for a current one."""
    cache.add(_GENERATION_KEY, time.time_ns(), None)
    return int(cache.get(_GENERATION_KEY, 0))


def forget_local() -> None:
    """Drop this process's copies (tests: the next test's rows reuse the ids)."""
    _LOCAL.clear()


def cached_at_generation(key: str, current: int | None = None) -> tuple[int, Any]:
    """The current generation and what the cache holds under ``key`` (None if nothing), in one
    round trip to a shared cache. Entries stored with :func:`cache_at_generation` are returned
    only if they were stored at the current generation. A caller that passes the ``current``
    generation it has read may be answered from this process's copy, with no round trip."""
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
    cache.set(key, (current, value), KEEP_SECONDS)
    if local:
        _keep_local(key, current, value)


def _keep_local(key: str, current: int, value: Any) -> None:
    if len(_LOCAL) >= _LOCAL_LIMIT:
        _LOCAL.clear()
    # No longer than the shared entry.
    _LOCAL[key] = (current, time.monotonic() + KEEP_SECONDS, pickle.dumps(value, pickle.HIGHEST_PROTOCOL))


def invalidate_scopes() -> None:
    """Start a new generation: call after any change to memberships, grants or contracts."""
    if _shared_cache():
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
    """Inside a service that changes who sees what: forget cached entries now and after commit
    (a request running meanwhile may have cached one from before the change)."""
    invalidate_scopes()
    transaction.on_commit(invalidate_scopes)


def _scopes_changed(sender: Any, **kwargs: Any) -> None:
    changed_scopes()


def watch_scope_models(*watched: type[models.Model], quiet_fields: frozenset[str] = frozenset()) -> None:
    """Start a new generation whenever a row of these models is saved or deleted, however it was
    changed (a service, a data import, the shell): the models that decide who sees what, and the
    rows cached at the generation. Apps call it when ready. A save of ``quiet_fields`` alone
    (``update_fields``) changes nothing anyone sees and starts none: a sign-in writes the user's
    ``last_login``, and a new generation makes every user's kept scope and figures be worked
    out again."""

    def saved(sender: Any, update_fields: frozenset[str] | None = None, **kwargs: Any) -> None:
        if update_fields and update_fields <= quiet_fields:
            return
        changed_scopes()

    for model in watched:
        label = model._meta.label
        post_save.connect(saved, sender=model, dispatch_uid=f"scope-save-{label}", weak=False)
        post_delete.connect(_scopes_changed, sender=model, dispatch_uid=f"scope-delete-{label}")
