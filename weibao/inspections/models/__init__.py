"""Models of the inspections: the plan (``plan``) and what an inspection records (``checklist``)."""

from .checklist import InspectionItem, InspectionSignature
from .plan import Inspection

__all__ = ["Inspection", "InspectionItem", "InspectionSignature"]
