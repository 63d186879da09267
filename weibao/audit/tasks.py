"""Jobs of the audit app."""

from __future__ import annotations

from huey import crontab

from weibao.core.tasks import periodic

from . import services


@periodic(crontab(hour="2", minute="50"), description="将审计链尾记录到数据库之外（锚定）")
def anchor_audit_chain() -> int | None:
    """Write the chain's head outside the database once a day, so truncation is found later."""
    anchor = services.audit_anchor()
    return anchor.id if anchor else None
