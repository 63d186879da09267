"""Reads of the contracts app, including the contract link of the visibility rule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from django.utils import timezone

from weibao.accounts.choices import OrgKind, Role
from weibao.accounts.visibility import Scope, cache_at_generation, cached_at_generation, user_scope
from weibao.core.tenancy import scope_sees


def contracts_visible_to(user: Any, base: Scope) -> Iterable[tuple[int, int, int]]:
    """(contract id, hospital id, vendor id) of the contracts a user sees beyond their own
    hospital: their vendor's contracts, an auditor's granted contracts, and — so a hospital's
    users can name their vendors — their hospital's contracts."""
    from .models import Contract, ContractGrant

    memberships = user.active_memberships()
    vendor_ids = {m.organization_id for m in memberships if m.organization.kind == OrgKind.VENDOR}
    q = Q(pk__in=[])
    if vendor_ids:
        q |= Q(vendor_id__in=vendor_ids)
    if base.hospital_ids:
        q |= Q(hospital_id__in=base.hospital_ids)
    if any(m.role == Role.AUDITOR for m in memberships):
        today = timezone.localdate()
        granted = ContractGrant.objects.filter(user=user).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=today)
        )
        q |= Q(pk__in=granted.values("contract_id"))
    return Contract.objects.filter(q).values_list("pk", "hospital_id", "vendor_id")


def term_for_ticket(user: Any, term_id: int, contract_id: int) -> Any:
    """The service term a ticket is opened under, with its contract and the contract's hospital
    and vendor, if ``user`` sees it (else 404). Kept in the cache at the scope generation: terms
    and contracts change rarely, and every change to them bumps it (see ``apps.py``)."""
    from django.http import Http404

    from .models import ServiceTerm

    key = f"wb:term:{term_id}"
    known = getattr(user, "scope_generation", None)  # an API request read it with its token
    current, term = cached_at_generation(key, known)
    if term is None:
        term = (
            ServiceTerm.objects.select_related("contract__hospital", "contract__vendor")
            .filter(pk=term_id)
            .first()
        )
        if term is None:
            raise Http404
        cache_at_generation(key, current, term, local=known is not None)
    if term.contract_id != contract_id or not scope_sees(
        ServiceTerm, user_scope(user), term.contract.hospital_id, term.contract_id
    ):
        raise Http404
    return term
