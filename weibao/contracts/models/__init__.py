"""Models of the contracts app: the contract and its terms; the maintained-system inventory."""

from .contract import (
    Contract,
    ContractDocument,
    ContractGrant,
    ContractQuerySet,
    ContractStatus,
    DeductionRule,
    PaymentMilestone,
    ServiceTerm,
    Severity,
    local_day,
    status_q,
)
from .inventory import Endpoint, Interface, MaintainedSystem, Module

__all__ = [
    "Contract",
    "ContractDocument",
    "ContractGrant",
    "ContractQuerySet",
    "ContractStatus",
    "DeductionRule",
    "Endpoint",
    "Interface",
    "MaintainedSystem",
    "Module",
    "PaymentMilestone",
    "ServiceTerm",
    "Severity",
    "local_day",
    "status_q",
]
