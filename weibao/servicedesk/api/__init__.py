"""API of the service desk: the same services the pages use, under the visibility rule."""

from ninja import Router

from .records import router as records_router
from .tickets import router as tickets_router

router = Router()
router.add_router("", tickets_router)
router.add_router("", records_router)
