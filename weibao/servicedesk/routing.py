"""Which contract a report goes to: the one that covers the chosen system (or module) and is in
force at the report time.

A maintained system names the contract that covers it (the inventory, ``MaintainedSystem.contract``);
a renewal of that contract covers it too. A contract takes tickets only while it is in force
(:meth:`weibao.contracts.models.Contract.in_force_at`: signed, and the report's day, in the
hospital's time zone, between its start and end dates).

When a report names no system and several contracts could take it, the reporter chooses among
:class:`Route` s, named in plain words (system and vendor), never by contract code. When none
could, :func:`no_route_message` says so and what to do instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from weibao.accounts.models import Organization
from weibao.contracts.models import Contract, ContractStatus, MaintainedSystem, Module


@dataclass(frozen=True)
class Route:
    """A contract a report may go to, and the system it is about (None: not said)."""

    contract: Contract
    system: MaintainedSystem | None

    @property
    def key(self) -> str:
        """How a form names this route: ``<contract id>-<system id or 0>``."""
        return f"{self.contract.pk}-{self.system.pk if self.system is not None else 0}"

    @property
    def label(self) -> str:
        """Plain words for the reporter: the system and the vendor (the contract's title when it
        lists no system)."""
        what = self.system.name if self.system is not None else self.contract.title
        return f"{what} · {self.contract.vendor.name}"


def _renewal_ids(contract_ids: set[int]) -> set[int]:
    """``contract_ids`` and every renewal of them (a renewal covers what the renewed one did)."""
    found, frontier = set(contract_ids), set(contract_ids)
    while frontier:
        frontier = (
            set(Contract.objects.filter(renewal_of_id__in=frontier).values_list("pk", flat=True)) - found
        )
        found |= frontier
    return found


def covers(contract: Contract, system: MaintainedSystem) -> bool:
    """Does ``contract`` cover ``system``? A system no contract covers may be reported under any
    contract of its hospital."""
    if system.hospital_id != contract.hospital_id:
        return False
    if system.contract_id is None or system.contract_id == contract.pk:
        return True  # no query: the common case of a report
    return contract.pk in _renewal_ids({system.contract_id})


def _predecessor_ids(contract: Contract) -> set[int]:
    """``contract`` and the contracts it renews, back along the chain."""
    found: set[int] = {contract.pk}
    previous = contract.renewal_of_id
    while previous is not None and previous not in found:
        found.add(previous)
        previous = Contract.objects.filter(pk=previous).values_list("renewal_of_id", flat=True).first()
    return found


def covered_systems(contract: Contract) -> Any:
    """The systems of ``contract``'s hospital it covers (see :func:`covers`)."""
    return MaintainedSystem.objects.filter(hospital_id=contract.hospital_id).filter(
        Q(contract__isnull=True) | Q(contract_id__in=_predecessor_ids(contract))
    )


def plain_name(contract: Contract) -> str:
    """A contract in words a reporter knows: the vendor and the systems it maintains."""
    systems = [s.name for s in MaintainedSystem.objects.filter(contract=contract).order_by("name")[:4]]
    return f"{contract.vendor.name} · {'、'.join(systems) if systems else contract.title}"


def routes(
    hospital_ids: Iterable[int],
    *,
    at: date | datetime | None = None,
    system: MaintainedSystem | None = None,
    module: Module | None = None,
    contracts: Any = None,
) -> list[Route]:
    """Where a report of ``hospital_ids``'s people may go at ``at``: for a system (or a module),
    the contracts in force that cover it; for no system, every contract in force, one route per
    system it covers (so the reporter picks a system, not a contract). ``contracts`` narrows the
    candidates (e.g. to those a user sees)."""
    if system is None and module is not None:
        system = module.system
    candidates = (contracts if contracts is not None else Contract.objects.all()).in_force(at)
    candidates = candidates.select_related("vendor", "hospital")
    if system is not None:
        candidates = candidates.filter(hospital_id=system.hospital_id)
        if system.contract_id is not None:
            candidates = candidates.filter(pk__in=_renewal_ids({system.contract_id}))
        return [Route(c, system) for c in candidates.order_by("start", "pk")]
    found: list[Route] = []
    in_force = list(candidates.filter(hospital_id__in=list(hospital_ids)).order_by("start", "pk"))
    systems: dict[int, list[MaintainedSystem]] = {}
    for s in MaintainedSystem.objects.filter(contract__in=in_force).order_by("name", "pk"):
        systems.setdefault(s.contract_id or 0, []).append(s)
    for contract in in_force:
        found += [Route(contract, s) for s in systems.get(contract.pk, [])] or [Route(contract, None)]
    return found


def contracts_of(found: list[Route]) -> list[Contract]:
    """The distinct contracts of ``found``, in order."""
    seen: dict[int, Contract] = {}
    for route in found:
        seen.setdefault(route.contract.pk, route.contract)
    return list(seen.values())


def single(found: list[Route]) -> Route | None:
    """The route when there is nothing to ask: one contract (with its only system, or none)."""
    contracts = contracts_of(found)
    if len(contracts) != 1:
        return None
    systems = {r.system.pk for r in found if r.system is not None}
    return found[0] if len(found) == 1 or not systems else Route(contracts[0], None)


def pick(found: list[Route], key: str) -> Route | None:
    """The route a form's choice names, if it is one of ``found`` (never a contract of the
    reporter's choosing outside them)."""
    return next((r for r in found if r.key == key), None)


def no_route_message(hospital: Organization | None, system: MaintainedSystem | None = None) -> str:
    """What to tell a reporter no contract can take: plainly, and what to do instead."""
    phone = getattr(hospital, "contact_phone", "") if hospital is not None else ""
    call = _("请直接致电医院信息科（%(p)s）。") % {"p": phone} if phone else _("请直接致电医院信息科。")
    if system is not None:
        return _("“%(s)s”目前没有在服务期内的维保合同，无法在线报修。") % {"s": system.name} + call
    return _("目前没有在服务期内的维保合同可以受理报修。") + call


def check_takes(contract: Contract, *, system: MaintainedSystem | None, at: datetime) -> None:
    """Refuse a report ``contract`` cannot take at ``at``: not in force then, or about a system
    another contract covers. The messages say why, in words a reporter understands."""
    if not contract.in_force_at(at):
        raise ValidationError(
            {
                "contract": _(
                    "该合同（%(vendor)s，服务期 %(start)s ~ %(end)s）在报修时间%(status)s，不能受理报修。"
                )
                % {
                    "vendor": contract.vendor.name,
                    "start": contract.start.isoformat(),
                    "end": contract.end.isoformat(),
                    "status": ContractStatus(contract.status_on(at)).label,
                }
            }
        )
    if system is not None and not covers(contract, system):
        raise ValidationError(
            {"system": _("“%(s)s”不在该合同的维保范围内，请选择维保该系统的厂商。") % {"s": system.name}}
        )
