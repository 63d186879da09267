"""How a user's scope is worked out from their memberships (registered with
:func:`weibao.core.tenancy.register_scope_resolver`; core keeps the result per request and in the
cache).

Contract-level access (a vendor's contracts, an auditor's granted contracts) is supplied by the
apps that own contracts through :func:`register_contract_source`, so this module does not depend
on them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.utils import timezone

from weibao.core.tenancy import EVERYTHING, Scope

from .choices import ADMIN_ROLES, OrgKind, Role
from .models import AccessGrant

#: A contract source returns (contract_id, hospital_id, vendor_id) triples visible to a user.
ContractSource = Callable[[Any, Scope], Iterable[tuple[int, int, int]]]
_contract_sources: list[ContractSource] = []


def register_contract_source(source: ContractSource) -> None:
    """Let an app (contracts) tell which contracts a user sees beyond their hospital."""
    if source not in _contract_sources:
        _contract_sources.append(source)


def compute_scope(user: Any) -> Scope:
    """The scope of a signed-in, active ``user``: their organisations, their hospitals (and an
    auditor's granted hospitals), and the contracts the contract sources give them."""
    if user.is_platform_admin:
        return EVERYTHING
    memberships = user.active_memberships()
    org_ids = frozenset(m.organization_id for m in memberships)
    hospital_ids = {m.organization_id for m in memberships if m.organization.kind == OrgKind.HOSPITAL}
    audit_org_ids = {m.organization_id for m in memberships if m.role in ADMIN_ROLES}
    if any(m.role == Role.AUDITOR for m in memberships):
        today = timezone.localdate()
        granted = {
            g.hospital_id
            # Only hospitals: a grant naming any other organisation (possible before grants were
            # checked) gives nothing.
            for g in AccessGrant.objects.filter(user=user, hospital__kind=OrgKind.HOSPITAL)
            if g.valid_until is None or g.valid_until >= today
        }
        hospital_ids |= granted
        audit_org_ids |= granted
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
        audit_org_ids=frozenset(audit_org_ids),
    )
