"""The one visibility rule, as a queryset method every tenant-owned model inherits.

A record belongs to one hospital and often to one contract. A user sees it through a membership:

* platform admins see everything;
* a hospital's users see their hospital's records (hospital admins and department users alike:
  finer rules, such as a department user seeing only their own tickets, are per model);
* a vendor's users see the records of the contracts their vendor holds, and the hospital-level
  records (departments, campuses) of those contracts' hospitals;
* auditors see what they were granted (a whole hospital, or single contracts).

Models declare where their hospital (and contract) is with two class attributes and inherit
``TenantQuerySet``; views, API endpoints and exports all call ``.visible_to(user)``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import models
from django.db.models import Q

from weibao.core.cache.generation import cache_at_generation, cached_at_generation
from weibao.core.db.any_of import ids_q


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
    ``audit_org_ids``: organisations whose audit trail the user reads (those they administer, and
    an auditor's granted hospitals); a user with none reads no audit log.
    ``generation``: the generation (:mod:`weibao.core.cache.generation`) the scope was read or
    computed at, None for :data:`NOTHING` and :data:`EVERYTHING`. A request holding the scope may
    take other entries this process kept at that generation without asking the shared cache.
    """

    everything: bool = False
    hospital_ids: frozenset[int] = field(default_factory=frozenset)
    contract_ids: frozenset[int] = field(default_factory=frozenset)
    contract_hospital_ids: frozenset[int] = field(default_factory=frozenset)
    org_ids: frozenset[int] = field(default_factory=frozenset)
    partner_org_ids: frozenset[int] = field(default_factory=frozenset)
    outside_contract_ids: frozenset[int] = field(default_factory=frozenset)
    audit_org_ids: frozenset[int] = field(default_factory=frozenset)
    generation: int | None = field(default=None, compare=False)


NOTHING = Scope()
EVERYTHING = Scope(everything=True)

#: Works out the scope of a signed-in, active user from their memberships and grants. The
#: accounts app registers it (:func:`register_scope_resolver`); :func:`user_scope` keeps the result.
ScopeResolver = Callable[[Any], Scope]
_resolver: ScopeResolver | None = None


def register_scope_resolver(resolver: ScopeResolver) -> None:
    """Say how a user's scope is worked out (the app that owns users and memberships, once)."""
    global _resolver
    _resolver = resolver


def user_scope(user: Any) -> Scope:
    """The scope of ``user``. Kept on the user object (``user.scope``, declared by the user model:
    a user object lives for one request, and an API token's cached user brings it along), and in
    the cache at the current generation for :data:`~weibao.core.cache.generation.KEEP_SECONDS`
    across requests (it costs two queries to work out)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    scope: Scope | None = user.scope
    if scope is not None:
        return scope
    if _resolver is None:
        raise RuntimeError("no scope resolver: the accounts app registers one when it is ready")
    key = f"wb:scope:v3:{user.pk}"
    current, scope = cached_at_generation(key)
    if scope is None:
        scope = replace(_resolver(user), generation=current)
        cache_at_generation(key, current, scope)
    user.scope = scope
    return scope


class TenantQuerySet(models.QuerySet[Any]):
    """A queryset that can restrict itself to what a user may see."""

    def visible_to(self, user: Any) -> TenantQuerySet:
        return self.filter(visibility_q(self.model, user_scope(user)))


def visibility_q(model: type[models.Model], scope: Scope) -> Q:
    """The filter that keeps the records of ``model`` inside ``scope``: records of the scope's
    hospitals, plus, on records that belong to a contract, those of the scope's contracts in other
    hospitals (on hospital-level records, those contracts' hospitals). It names each id once, so a
    hospital's users get a plain ``hospital_id IN (…)`` the planner can estimate and index (a long
    list is one array parameter on PostgreSQL: :mod:`weibao.core.db.any_of`)."""
    if scope.everything:
        return Q()
    hospital_field: str = model.tenant_hospital_field  # type: ignore[attr-defined]
    contract_field: str | None = getattr(model, "tenant_contract_field", None)
    if contract_field:
        hospitals, contracts = scope.hospital_ids, scope.outside_contract_ids
    else:
        hospitals, contracts = scope.hospital_ids | scope.contract_hospital_ids, frozenset()
    if not hospitals and not contracts:
        return Q(pk__in=[])
    q = ids_q(hospital_field, hospitals) if hospitals else Q()
    if contracts and contract_field:
        q |= ids_q(contract_field, contracts)
    return q


def scope_sees(model: type[models.Model], scope: Scope, hospital_id: int, contract_id: int | None) -> bool:
    """:func:`visibility_q` for one record already in memory (e.g. from a cache)."""
    if scope.everything or hospital_id in scope.hospital_ids:
        return True
    if getattr(model, "tenant_contract_field", None):
        return contract_id in scope.contract_ids
    return hospital_id in scope.contract_hospital_ids


class TenantModel(models.Model):
    """Base for records owned by a hospital; subclasses name the path to it.

    ``tenant_hospital_field`` is a lookup path to the owning hospital (an Organization), e.g.
    ``"hospital"`` or ``"contract__hospital"``; ``tenant_contract_field`` is set on records that
    belong to one contract, so that a vendor sees only its own contracts' records.
    """

    tenant_hospital_field = "hospital"
    tenant_contract_field: str | None = None

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


def get_visible(queryset: Any, user: Any, **lookup: Any) -> Any:
    """One object the user may see, else 404 (never 403, so ids of other tenants do not leak).
    Pages, API endpoints and exports all look objects up through this."""
    from django.http import Http404

    # Unordered: the model's default ordering would only cost compiling an ORDER BY.
    rows = list(queryset.visible_to(user).filter(**lookup).order_by()[:1])
    if not rows:
        raise Http404
    return rows[0]


def _tenant_id(obj: models.Model, path: str | None) -> int | None:
    """The id at the end of a tenant path (``"hospital"``, ``"contract__hospital"``, ``"pk"``)."""
    if path is None:
        return None
    *hops, last = path.split("__")
    for hop in hops:
        obj = getattr(obj, hop)
        if obj is None:
            return None
    value = obj.pk if last == "pk" else getattr(obj, _attname(type(obj), last))
    return int(value) if value is not None else None


def _attname(model: type[models.Model], name: str) -> str:
    """The attribute holding a field's value (``hospital_id`` for ``hospital``)."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model.__name__}.{name} is a reverse relation, not a field")
    return field.attname


@functools.cache
def _plain_rule(model: type[models.Model]) -> bool:
    """Whether ``model`` is seen by the one rule alone (its queryset keeps TenantQuerySet's)."""
    queryset = type(model._default_manager.get_queryset())
    return getattr(queryset, "visible_to", None) is TenantQuerySet.visible_to


def get_visible_reference(
    model: type[models.Model], user: Any, pk: int, *, related: tuple[str, ...] = (), **lookup: Any
) -> Any:
    """:func:`get_visible` for reference rows a report names (its service term, a department, a
    severity, a system, a module, an interface): kept in the cache at the scope generation, whose
    every change they bump (:func:`~weibao.core.cache.generation.watch_scope_models`), and
    checked against the user's scope in memory. ``related`` is loaded with the row; ``lookup``
    compares fields with objects or ids, e.g. ``contract=contract``."""
    from django.http import Http404

    if not _plain_rule(model):  # a model with a rule of its own is looked up the usual way
        return get_visible(model._default_manager.select_related(*related), user, pk=pk, **lookup)
    hospital_path = model.tenant_hospital_field  # type: ignore[attr-defined]
    contract_path = getattr(model, "tenant_contract_field", None)
    # The tenant ids are read through these relations.
    through = {p.rsplit("__", 1)[0] for p in (hospital_path, contract_path) if p and "__" in p}
    key = f"wb:ref:{model._meta.label_lower}:{int(pk)}"
    scope = user_scope(user)
    # The scope says the generation it was read at in this request (an API request's, with its
    # token): this process's copy of the row at that generation needs no round trip.
    current, obj = cached_at_generation(key, scope.generation)
    if obj is None:
        obj = model._default_manager.select_related(*sorted(through | set(related))).filter(pk=pk).first()
        if obj is None:
            raise Http404
        cache_at_generation(key, current, obj, local=scope.generation is not None)
    for name, value in lookup.items():
        wanted = value.pk if isinstance(value, models.Model) else value
        if getattr(obj, _attname(model, name)) != wanted:
            raise Http404
    hospital_id = _tenant_id(obj, hospital_path)
    if hospital_id is None or not scope_sees(model, scope, hospital_id, _tenant_id(obj, contract_path)):
        raise Http404
    return obj
