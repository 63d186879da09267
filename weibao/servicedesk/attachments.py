"""Screenshots and logs attached to tickets."""

from __future__ import annotations

import mimetypes
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from weibao.audit.context import AuditContext
from weibao.audit.services import audit_record

from . import permissions
from .choices import EventKind
from .models import Attachment, Ticket, TicketEvent

if TYPE_CHECKING:
    from weibao.accounts.models import User

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = (
    "image/",
    "text/",
    "application/pdf",
    "application/zip",
    "application/x-zip-compressed",
    "application/json",
    "application/xml",
    "application/octet-stream",
)
ATTACHMENT_EXTENSIONS = (
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".bmp",
    ".webp",
    ".txt",
    ".log",
    ".pdf",
    ".zip",
    ".json",
    ".xml",
    ".csv",
    ".dcm",
    ".hl7",
)


def upload_checked(upload: UploadedFile, *, field: str = "file") -> tuple[str, str]:
    """The name and content type of an upload the service desk accepts (at most 10 MB; images,
    text, logs, PDF or ZIP, by extension and type); ValidationError on ``field`` otherwise. Other
    apps that take files (an inspection item's photo) check them here too."""
    name = (upload.name or "file").rsplit("/", 1)[-1][:200]
    content_type = upload.content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    if upload.size is None or upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError({field: _("附件不能超过 10 MB。")})
    if not name.lower().endswith(ATTACHMENT_EXTENSIONS) or not content_type.startswith(ATTACHMENT_TYPES):
        raise ValidationError({field: _("只接受截图、日志、文本、PDF 或 ZIP 文件。")})
    return name, content_type


def attachment_add(
    *,
    actor: User,
    ticket: Ticket,
    upload: UploadedFile,
    internal: bool = False,
    context: AuditContext | None = None,
) -> Attachment:
    """Attach a screenshot or a log: at most 10 MB, images, text, logs, PDF or ZIP. An internal one
    by the working side; one the hospital sees by a side of the ticket (never an auditor)."""
    if internal and not permissions.sees_internal(actor, ticket):
        raise PermissionDenied(_("只有处理方可以上传内部附件。"))
    if not internal and actor is not None:
        permissions.require_reply_publicly(actor, ticket)
    name, content_type = upload_checked(upload)
    with transaction.atomic():
        attachment = Attachment(
            ticket=ticket,
            name=name,
            size=upload.size,
            content_type=content_type,
            internal=internal,
            uploaded_by=actor,
        )
        attachment.file.save(name, upload, save=False)
        attachment.save()
        TicketEvent.objects.create(
            ticket=ticket,
            actor=actor,
            kind=EventKind.ATTACHMENT,
            body=name,
            internal=internal,
            data={"attachment": attachment.pk, "size": upload.size},
        )
        audit_record(
            action="ticket.attachment",
            actor=actor,
            context=context,
            obj=ticket,
            organization=ticket.hospital,
            detail={"name": name, "size": upload.size},
        )
    return attachment
