"""Reports from the phone form a department user opens by scanning a QR code."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from weibao.audit.context import AuditContext
from weibao.contracts.models import Contract, MaintainedSystem, Module, ServiceTerm, Severity

from . import attachments, services
from .choices import TicketChannel
from .models import Ticket, TicketEvent

if TYPE_CHECKING:
    from weibao.accounts.models import User


def report_severities(contract: Contract) -> list[Severity]:
    """The fault classes a phone reporter chooses from: those of a contract whose report term takes
    its targets from the class (``by_severity``), else none (the reporter is not asked)."""
    term = report_term(contract)
    if term is None or not services.severity_required(contract, term):
        return []
    return list(contract.severities.all())


def report_term(contract: Contract) -> ServiceTerm | None:
    """The service term a report from the phone form falls under: the contract's fault term (故障
    处理), else its first term. The reporter is not asked: they say what is wrong, not which clause."""
    return contract.terms.filter(category="fault").first() or contract.terms.first()


def ticket_report(
    *,
    actor: User,
    contract: Contract,
    title: str,
    description: str = "",
    system: MaintainedSystem | None = None,
    module: Module | None = None,
    department: Any = None,
    location: str = "",
    phone: str = "",
    photo: UploadedFile[Any] | None = None,
    severity: Severity | None = None,
    context: AuditContext | None = None,
) -> Ticket:
    """Open a ticket from the phone form under :func:`report_term`, with its photo attached, in
    one transaction: a photo the attachment rules refuse (too large, not an image) leaves no
    ticket behind, and the error names the photo."""
    term = report_term(contract)
    if term is None:
        raise ValidationError(_("该合同没有服务项目，无法报修：请联系医院管理员。"))
    if severity is not None and severity.contract_id != contract.pk:
        raise ValidationError({"severity": _("故障等级不属于该合同。")})
    with transaction.atomic():
        ticket = services.ticket_create(
            actor=actor,
            contract=contract,
            term=term,
            title=title,
            description=description,
            system=system,
            module=module,
            department=department,
            channel=TicketChannel.QR_FORM,
            location=location,
            caller_phone=phone,
            severity=severity,
            context=context,
        )
        if photo is not None:
            try:
                attachments.attachment_add(actor=actor, ticket=ticket, upload=photo, context=context)
            except ValidationError as exc:
                raise ValidationError({"photo": exc.messages}) from exc
    return ticket


def ticket_reply(
    *,
    actor: User,
    ticket: Ticket,
    body: str,
    internal: bool = False,
    uploads: Sequence[UploadedFile[Any]] = (),
    context: AuditContext | None = None,
) -> TicketEvent:
    """A reply (or internal note) with its files, in one transaction: a file the attachment rules
    refuse leaves no reply behind, so the writer can fix it and send again without a duplicate."""
    with transaction.atomic():
        event = services.ticket_comment(
            actor=actor, ticket=ticket, body=body, internal=internal, context=context
        )
        for upload in uploads:
            attachments.attachment_add(
                actor=actor, ticket=ticket, upload=upload, internal=internal, context=context
            )
    return event
