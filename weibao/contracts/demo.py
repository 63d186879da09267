"""Demo contracts: the five seed documents, each with a fictional vendor and its inventory."""

from __future__ import annotations

from datetime import date
from typing import Any

from .models import Contract
from .services import contract_create_from_template
from .template_loader import get_template

# (template, hospital short code, vendor short code, start, amount)
DEMO_CONTRACTS = [
    ("pacs-huizhou", "HZZD", "DEMOPACS", date(2026, 1, 1), None),
    # A second contract of the same hospital with another vendor and another system: a report
    # goes to the one that covers the system (a department's QR code asks which system).
    ("drg-wuhan", "HZZD", "DEMODRG", date(2026, 1, 1), None),
    ("pacs-guangxi", "GXZY", "DEMOPACS", date(2026, 3, 1), None),
    ("his-3y", "YSRM", "DEMOHIS", date(2025, 8, 1), None),
    ("drg-wuhan", "WHZX", "DEMODRG", date(2026, 1, 1), None),
    ("regional-zhenhai", "ZHWJ", "DEMOREG", date(2026, 1, 1), None),
]


def demo_contracts(ctx: dict[str, Any]) -> list[str]:
    orgs = ctx["orgs"]
    made = []
    for template_code, hospital_code, vendor_code, start, amount in DEMO_CONTRACTS:
        hospital = orgs[hospital_code]
        if Contract.objects.filter(hospital=hospital, template_code=template_code).exists():
            continue
        template = get_template(template_code)
        contract = contract_create_from_template(
            actor=None,
            template=template,
            hospital=hospital,
            vendor=orgs[vendor_code],
            start=start,
            amount=amount if amount is not None else (template.amount or 100000),
        )
        made.append(contract.code)
    return [f"演示合同 / demo contracts: {', '.join(made)}"] if made else []
