"""Reads of the contracts app, including the contract link of the visibility rule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from django.utils import timezone

from weibao.accounts.choices import OrgKind, Role
from weibao.core.tenancy import Scope, get_visible_reference


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
    from .models import ServiceTerm

    return get_visible_reference(
        ServiceTerm,
        user,
        term_id,
        related=("contract__hospital", "contract__vendor"),
        contract=contract_id,
    )
