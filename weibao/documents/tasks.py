"""Jobs of the documents app. They only call services."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from . import services


@db_task()
def make_pdf_copy(document_id: int) -> int | None:
    """A PDF copy of a stored DOCX (queued when the DOCX is stored and LibreOffice is installed)."""
    copy = services.document_pdf_copy(document_id)
    return copy.pk if copy is not None else None
