"""A document kind for tests of the documents app: a small docxtpl template built in code."""

from __future__ import annotations

import io
from typing import Any

from docx import Document

from weibao.documents.kinds import DocumentKind, register_kind

CODE = "testing.sample"


def sample_template(title: str = "{{ title }}") -> bytes:
    """A DOCX with a title paragraph and a table whose rows repeat over ``items``."""
    doc = Document()
    doc.add_paragraph(title)
    doc.add_paragraph("医院：{{ hospital }}")
    # docxtpl's ``{%tr %}`` tags stand in a row of their own, which the loop replaces.
    table = doc.add_table(rows=5, cols=2)
    rows = [
        ["项目", "结果"],
        ["{%tr for item in items %}", ""],
        ["{{ item.name }}", "{{ item.result }}"],
        ["{%tr endfor %}", ""],
        ["合计", "{{ items|length }}"],
    ]
    for row, texts in zip(table.rows, rows, strict=True):
        for cell, text in zip(row.cells, texts, strict=True):
            cell.text = text
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def sample_context() -> dict[str, Any]:
    return {"title": "示例报告", "hospital": "示例医院", "items": [{"name": "CPU", "result": "正常"}]}


def ensure_sample_kind() -> DocumentKind:
    kind = DocumentKind(
        code=CODE, label="示例文档", default_template=sample_template, sample_context=sample_context
    )
    register_kind(kind)
    return kind


#: What :func:`fake_libreoffice` writes as every PDF copy.
FAKE_PDF = b"%PDF-1.4\n% stands in for LibreOffice's copy\n%%EOF\n"


def fake_libreoffice(monkeypatch: Any) -> None:
    """PDF copies of stored DOCX files made without running LibreOffice (for the pages and APIs
    that link them; the documents app's tests convert for real)."""
    from weibao.documents import services

    monkeypatch.setattr(services, "soffice", lambda: "soffice")
    monkeypatch.setattr(services, "docx_to_pdf", lambda content: FAKE_PDF)
