"""Who did something, and from where: the context every service writes into its audit record.

Services take an :class:`AuditContext` instead of the HTTP request, so that the same service is
called from a view, the API, the CLI or a background job alike, and the client address is read
in one place. ``X-Forwarded-For`` is believed only when the direct peer is one of the proxies
listed in ``WEIBAO_TRUSTED_PROXIES``; otherwise any client could write any address into the log.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    # django-stubs' name for the model of ``settings.AUTH_USER_MODEL`` (its mypy plugin reads
    # the setting): audit, below accounts, names the user type without importing accounts.
    from django.contrib.auth.models import _AnyUser, _User
    from django.http import HttpRequest


@dataclass(frozen=True)
class AuditContext:
    """The actor (a user, or None for the system), the client's address and its user agent."""

    actor: _User | None = None
    ip: str | None = None
    user_agent: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest, actor: _User | None = None) -> AuditContext:
        """The context of an HTTP request; ``actor`` defaults to the signed-in user."""
        if actor is None:
            # No user before the authentication middleware has run.
            user: _AnyUser | None = getattr(request, "user", None)
            actor = user if user is not None and user.is_authenticated else None
        user_agent: str = request.META.get("HTTP_USER_AGENT", "")
        return cls(actor=actor, ip=client_ip(request), user_agent=user_agent[:300])

    @classmethod
    def system(cls) -> AuditContext:
        """Work done by Weibao itself (jobs, the CLI without a user)."""
        return cls()


@lru_cache(maxsize=1)
def _trusted_networks(spec: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec if item)


def _is_trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    networks = _trusted_networks(tuple(getattr(settings, "WEIBAO_TRUSTED_PROXIES", ())))
    return any(ip in network for network in networks)


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address. ``X-Forwarded-For`` is walked from the right (the hop nearest to
    us) past every trusted proxy; the first untrusted address is the client. Without a trusted
    direct peer the header is ignored."""
    if request is None:
        return None
    remote: str | None = request.META.get("REMOTE_ADDR") or None
    if remote is None or not _is_trusted(remote):
        return remote
    forwarded: str = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote
    return hops[0] if hops else remote
