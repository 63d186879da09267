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

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from weibao.accounts.visibility import Scope


class TenantQuerySet(models.QuerySet):
    """A queryset that can restrict itself to what a user may see."""

    def visible_to(self, user: Any) -> TenantQuerySet:
        from weibao.accounts.visibility import user_scope

        return self.filter(visibility_q(self.model, user_scope(user)))


def visibility_q(model: type[models.Model], scope: Scope) -> Q:
    """The filter that keeps the records of ``model`` inside ``scope``: records of the scope's
    hospitals, plus, on records that belong to a contract, those of the scope's contracts in other
    hospitals (on hospital-level records, those contracts' hospitals). It names each id once, so a
    hospital's users get a plain ``hospital_id IN (…)`` the planner can estimate and index."""
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
    q = Q(**{f"{hospital_field}__in": sorted(hospitals)}) if hospitals else Q()
    if contracts:
        q |= Q(**{f"{contract_field}__in": sorted(contracts)})
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
