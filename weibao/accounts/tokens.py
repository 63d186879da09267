"""Personal API tokens: the user behind a bearer token, cached briefly across requests.

An API request would otherwise start with two queries before any work (the token with its user,
then the user's memberships). The user, with their memberships and scope already loaded, is kept
in the cache under the token's hash at the scope generation for
:data:`~weibao.core.cache.generation.KEEP_SECONDS`; revoking a token, deactivating a user or
changing a membership bumps the generation (see :mod:`weibao.core.cache.generation`), so the
cached entry is never used after such a change. The user's scope records the generation the
entry was read at, so the request's later reads at that generation skip the shared cache.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.core.cache.generation import cache_at_generation, cached_at_generation
from weibao.core.tenancy import user_scope

from .middleware import password_expired
from .models import ApiToken, hash_token
from .permissions import PasswordChangeRequired

#: ``last_used_at`` is written at most this often per token.
LAST_USED_EVERY = timedelta(minutes=5)


def user_for_token(raw: str) -> Any:
    """The active user owning the unrevoked token ``raw``, or None. Each call returns its own
    copy of the user (the cache pickles), so per-request attributes never leak between requests.
    Raises :class:`PasswordChangeRequired` if the user must change their password first."""
    key_hash = hash_token(raw)
    key = f"wb:token:v2:{key_hash}"
    current, entry = cached_at_generation(key)
    if entry is None:
        row = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=key_hash, revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if row is None:
            return None
        user = row.user
        user.active_memberships()
        user_scope(user)  # kept with the user, at the generation read here
        entry = (row.pk, row.last_used_at, user)
        cache_at_generation(key, current, entry)
    token_id, last_used_at, user = entry
    if password_expired(user):
        # A token is no way around the password change: refused until it is done.
        raise PasswordChangeRequired(_("请先登录网页修改密码，之后才能使用 API。"))
    now = timezone.now()
    if last_used_at is None or now - last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
        cache_at_generation(key, current, (token_id, now, user))
    return user
