"""The one renderer of Weibao's documents: DOCX from a template, XLSX from rows, PDF when the
machine has LibreOffice. Pure: bytes in, bytes out; storing is :mod:`.services`' job.

DOCX templates are docxtpl templates (Jinja tags written in Word: ``{{ hospital }}``, a table row
``{%tr for row in items %}`` … ``{%tr endfor %}``), so a hospital can lay out its own in Word.
Spreadsheet cells go through :func:`weibao.core.exports.safe_cell`: text a user typed never becomes
a formula in the hospital's Excel.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.functional import Promise
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import TemplateError

from weibao.core.exports import safe_row

from .xlsx import write_workbook

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"


def new_document() -> Any:
    """A blank python-docx document for a default template, its text marked Chinese (zh-CN) where
    python-docx's blank says en-US (Word's proofing and font choice follow the language)."""
    doc = Document()
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    run_defaults = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = run_defaults.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        run_defaults.append(lang)
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")
    return doc


def docx_bytes(doc: Any) -> bytes:
    """A python-docx document as the bytes of its file."""
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


class TemplateInvalid(ValueError):
    """A DOCX template that cannot be read or rendered (the message says why, in Chinese)."""


def render_docx(
    template: bytes, context: dict[str, Any], *, images: dict[str, bytes | None] | None = None
) -> bytes:
    """``template`` (a docxtpl DOCX) filled with ``context``. ``images`` (name → PNG or JPEG bytes)
    become pictures 40 mm wide under those names (a drawn signature); None writes nothing."""
    try:
        doc = DocxTemplate(io.BytesIO(template))
        pictures = {
            name: InlineImage(doc, io.BytesIO(data), width=Mm(40)) if data else ""
            for name, data in (images or {}).items()
        }
        doc.render({**context, **pictures}, autoescape=True)
    except TemplateError as e:
        raise TemplateInvalid(f"模板中的标记有误：{e}") from e
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as e:  # not a DOCX, or not a Word one
        raise TemplateInvalid(f"不是有效的 DOCX 文件：{e}") from e
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def docx_text(content: bytes) -> str:
    """Every paragraph and table cell of a DOCX as text, one per line (for checks and tests)."""
    doc = Document(io.BytesIO(content))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


@dataclass
class Sheet:
    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]
    widths: Sequence[int] | None = None


def render_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with one sheet per :class:`Sheet`: a bold, frozen header row, then the rows,
    wrapped and top-aligned (streamed by :mod:`.xlsx`: a quarter's ledger of 100,000 rows is never
    held in memory)."""
    return write_workbook(
        [
            (
                sheet.title,
                [str(h) for h in sheet.header],
                (safe_row(str(v) if isinstance(v, Promise) else v for v in row) for row in sheet.rows),
                sheet.widths or [max(10, min(40, 2 * len(str(h)) + 4)) for h in sheet.header],
            )
            for sheet in sheets
        ]
    )


def soffice() -> str | None:
    """LibreOffice's command when it is installed (PDF copies are made only then)."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def docx_to_pdf(content: bytes, *, timeout: float = 120) -> bytes | None:
    """A PDF of the DOCX by LibreOffice (headless, with the machine's CJK fonts), or None when
    LibreOffice is not installed. The DOCX stays the primary document."""
    command = soffice()
    if command is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "document.docx"
        src.write_bytes(content)
        subprocess.run(
            [
                command,
                "--headless",
                f"-env:UserInstallation=file://{tmp}/profile",
                "--convert-to",
                "pdf",
                "--outdir",
                tmp,
                str(src),
            ],
            check=True,
            capture_output=True,
            timeout=timeout,
        )
        return (Path(tmp) / "document.pdf").read_bytes()
