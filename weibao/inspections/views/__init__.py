"""Pages of the inspections: the plan (``plan``) and doing one inspection (``doing``)."""

from .doing import (
    area_ok,
    inspection_detail,
    inspection_findings,
    inspection_sign,
    inspection_start,
    item_photo,
    item_save,
    item_ticket,
    probes_refresh,
    report_produce,
    signature_image,
)
from .plan import contract_plan, inspection_list

__all__ = [
    "area_ok",
    "contract_plan",
    "inspection_detail",
    "inspection_findings",
    "inspection_list",
    "inspection_sign",
    "inspection_start",
    "item_photo",
    "item_save",
    "item_ticket",
    "probes_refresh",
    "report_produce",
    "signature_image",
]
