"""API of the contracts app: one router made of the contracts and the inventory parts."""

from ninja import Router

from .contracts import router as contracts_router
from .inventory import router as inventory_router

router = Router()
router.add_router("", contracts_router)
router.add_router("", inventory_router)
