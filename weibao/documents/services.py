"""Writes of the documents app: store a produced file with its SHA-256; put a hospital's own
template in place of the default, or go back to the default."""

from __future__ import annotations

import hashlib
import logging
import subprocess
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from weibao.accounts import permissions
from weibao.accounts.models import Organization, User
from weibao.audit.context import AuditContext
from weibao.audit.services import audit_record
from weibao.core.tasks import JobRef

from .kinds import get_kind
from .models import DocumentTemplate, GeneratedDocument
from .render import (
    DOCX_TYPE,
    PDF_TYPE,
    XLSX_TYPE,
    TemplateInvalid,
    docx_to_pdf,
    render_docx,
    soffice,
)

log = logging.getLogger("weibao.documents")

#: The largest template a hospital may upload.
TEMPLATE_MAX_BYTES = 5 * 1024 * 1024

CONTENT_TYPES = {".docx": DOCX_TYPE, ".xlsx": XLSX_TYPE, ".pdf": PDF_TYPE}

#: :func:`.tasks.make_pdf_copy`, queued for each stored DOCX once its transaction commits.
make_pdf_copy: JobRef[[int]] = JobRef("documents.make_pdf_copy")


def template_bytes(kind_code: str, hospital: Organization | int | None) -> bytes:
    """The DOCX template a kind is printed from for ``hospital``: its own when it uploaded one,
    else Weibao's default."""
    hospital_id = hospital.pk if isinstance(hospital, Organization) else hospital
    own = DocumentTemplate.objects.filter(hospital_id=hospital_id, kind=kind_code).first()
    if own is not None:
        with own.file.open("rb") as f:
            content: bytes = f.read()
        return content
    return get_kind(kind_code).default_bytes()


def document_store(
    *,
    actor: User | None,
    hospital: Organization,
    contract: Any,
    kind: str,
    title: str,
    filename: str,
    content: bytes,
    subject: str = "",
    period: str = "",
    context: AuditContext | None = None,
) -> GeneratedDocument:
    """Keep a produced file, its SHA-256 and who produced it (the caller has checked that the
    actor may produce it: whoever may read the subject may print it). A DOCX gets a PDF copy in
    the background when LibreOffice is installed."""
    get_kind(kind)  # an unknown kind is a programming error, not a user's
    doc = GeneratedDocument(
        hospital=hospital,
        contract=contract,
        kind=kind,
        title=title[:200],
        subject=subject,
        period=period,
        produced_by=actor if actor is not None and actor.is_authenticated else None,
    )
    with transaction.atomic():
        _store(doc, filename, content, actor=actor, context=context)
        if doc.content_type == DOCX_TYPE and soffice() is not None:
            # robust: a job broker that cannot be reached must not undo the stored DOCX.
            transaction.on_commit(partial(make_pdf_copy, doc.pk), robust=True)
    return doc


def document_print(
    *,
    actor: User | None,
    hospital: Organization,
    contract: Any,
    kind: str,
    data: dict[str, Any],
    title: str,
    filename: str,
    subject: str,
    period: str = "",
    images: dict[str, bytes | None] | None = None,
    context: AuditContext | None = None,
) -> GeneratedDocument:
    """A record printed: ``data`` filled into the hospital's DOCX template of ``kind`` (or
    Weibao's) and kept by :func:`document_store` (the caller has checked who may print it)."""
    content = render_docx(template_bytes(kind, hospital), data, images=images)
    return document_store(
        actor=actor,
        hospital=hospital,
        contract=contract,
        kind=kind,
        title=title,
        filename=filename,
        content=content,
        subject=subject,
        period=period,
        context=context,
    )


def _store(
    doc: GeneratedDocument,
    filename: str,
    content: bytes,
    *,
    actor: User | None,
    context: AuditContext | None,
) -> None:
    """Save ``doc`` with its file ``content``, size and SHA-256, and audit it (in the caller's
    transaction)."""
    suffix = filename[filename.rfind(".") :].lower() if "." in filename else ""
    doc.filename = filename[:200]
    doc.content_type = CONTENT_TYPES.get(suffix, "application/octet-stream")
    doc.size = len(content)
    doc.sha256 = hashlib.sha256(content).hexdigest()
    doc.file.save(filename, ContentFile(content), save=False)
    doc.save()
    detail: dict[str, Any] = {
        "kind": doc.kind,
        "subject": doc.subject,
        "period": doc.period,
        "sha256": doc.sha256,
    }
    if doc.pdf_of_id is not None:
        detail["pdf_of"] = doc.pdf_of_id
    audit_record(
        action="document.produce",
        actor=actor,
        context=context,
        obj=doc,
        organization=doc.hospital,
        detail=detail,
    )


def document_pdf_copy(document_id: int) -> GeneratedDocument | None:
    """The PDF copy of a stored DOCX, made by LibreOffice and stored as its own document (same
    hospital, contract, kind, subject and period; its own SHA-256). None when LibreOffice is not
    installed or fails: the failure is logged and the DOCX stays as it is."""
    docx = GeneratedDocument.objects.select_related("hospital").filter(pk=document_id).first()
    if docx is None or docx.content_type != DOCX_TYPE or docx.pdf_of_id is not None:
        return None
    existing: GeneratedDocument | None = GeneratedDocument.objects.filter(pdf_of=docx).first()
    if existing is not None:
        return existing
    with docx.file.open("rb") as f:
        content = f.read()
    try:
        pdf = docx_to_pdf(content)
    except subprocess.TimeoutExpired:
        log.warning("LibreOffice took too long to convert document %s to PDF", docx.pk)
        return None
    except subprocess.CalledProcessError as e:
        stderr = (e.stderr or b"").decode("utf-8", "replace").strip()[:500]
        log.warning(
            "LibreOffice failed to convert document %s to PDF (exit %s): %s", docx.pk, e.returncode, stderr
        )
        return None
    except OSError as e:  # no output written, or the command could not be started
        log.warning("LibreOffice did not convert document %s to PDF: %s", docx.pk, e)
        return None
    if pdf is None:
        return None
    if not pdf.startswith(b"%PDF"):
        log.warning("LibreOffice wrote something that is not a PDF for document %s", docx.pk)
        return None
    stem = docx.filename[: docx.filename.rfind(".")] if "." in docx.filename else docx.filename
    copy = GeneratedDocument(
        hospital=docx.hospital,
        contract_id=docx.contract_id,
        kind=docx.kind,
        title=docx.title,
        subject=docx.subject,
        period=docx.period,
        produced_by_id=docx.produced_by_id,
        pdf_of=docx,
    )
    with transaction.atomic():
        _store(copy, f"{stem}.pdf", pdf, actor=None, context=None)
    return copy


def _require_templates(actor: User | None, hospital: Organization) -> None:
    if not permissions.can_manage_document_templates(actor, hospital.pk):
        raise PermissionDenied(_("只有医院管理员可以更换本院的文档模板。"))


def template_upload(
    *,
    actor: User,
    hospital: Organization,
    kind: str,
    content: bytes,
    context: AuditContext | None = None,
) -> DocumentTemplate:
    """Put the hospital's own DOCX in place of the kind's default, once it has rendered the kind's
    sample data (a template that cannot be filled is refused with the reason)."""
    _require_templates(actor, hospital)
    document_kind = get_kind(kind)
    if not document_kind.has_template:
        raise ValidationError(_("这种文档不是由 DOCX 模板生成的。"))
    if len(content) > TEMPLATE_MAX_BYTES:
        raise ValidationError(_("模板文件不能超过 5 MB。"))
    try:
        render_docx(content, document_kind.sample_context())
    except TemplateInvalid as e:
        raise ValidationError(str(e)) from e
    sha256 = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        DocumentTemplate.objects.filter(hospital=hospital, kind=kind).delete()
        template = DocumentTemplate(hospital=hospital, kind=kind, sha256=sha256, uploaded_by=actor)
        template.file.save(f"{kind}.docx", ContentFile(content), save=False)
        template.save()
        audit_record(
            action="document.template_upload",
            actor=actor,
            context=context,
            obj=template,
            organization=hospital,
            detail={"kind": kind, "sha256": sha256},
        )
    return template


def template_reset(
    *, actor: User, hospital: Organization, kind: str, context: AuditContext | None = None
) -> None:
    """Go back to Weibao's default template for the kind."""
    _require_templates(actor, hospital)
    with transaction.atomic():
        deleted, _rows = DocumentTemplate.objects.filter(hospital=hospital, kind=kind).delete()
        if deleted:
            audit_record(
                action="document.template_reset",
                actor=actor,
                context=context,
                organization=hospital,
                detail={"kind": kind},
            )
