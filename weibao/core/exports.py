"""The one way Weibao writes spreadsheet cells (XLSX and CSV exports).

Text that a user typed (a ticket title from the public QR form, a caller's name) must never
become a formula in the hospital's Excel: a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return is written as text, prefixed with ``'`` (OWASP's advice against CSV/formula
injection). A value already starting with ``'`` before such a character gets a second one, so
:func:`unescape_cell` (used by the imports) gives back exactly what was exported.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

#: The characters that make Excel, LibreOffice or WPS read a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _needs_prefix(text: str) -> bool:
    if text.startswith(FORMULA_START):
        return True
    return text.startswith("'") and _needs_prefix(text[1:])


def safe_cell(value: Any) -> Any:
    """``value`` as it may be written to a cell: text that could be read as a formula is
    prefixed with ``'``; control characters a spreadsheet cannot hold (all below U+0020 but tab,
    newline and carriage return) are dropped; numbers, dates and other text unchanged."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if _needs_prefix(value):
            return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in values]


def unescape_cell(value: Any) -> Any:
    """The inverse of :func:`safe_cell`, for a cell read back by an import."""
    if isinstance(value, str) and value.startswith("'") and _needs_prefix(value[1:]):
        return value[1:]
    return value


def csv_bytes(header: Sequence[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """A CSV file (UTF-8 with a BOM, which Excel needs to read Chinese) of safe cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(safe_row(header))
    for row in rows:
        writer.writerow(safe_row(row))
    return ("\ufeff" + buffer.getvalue()).encode()
