"""API of the duty app: rosters, emergency plans and drills, incident reports."""

from ninja import Router

from . import emergency, remote, roster

router = Router(tags=["duty"])
router.add_router("", roster.router)
router.add_router("", emergency.router)
router.add_router("", remote.router)
