"""A streaming XLSX writer for :func:`.render.render_xlsx`: the sheet XML is written row by row
straight into the deflated ZIP member, with one shared style per kind of cell.

Why not openpyxl or XlsxWriter: a quarter's 记录单 has 100,000 rows of 12 cells, and both spend
their time on a Python object (and, for openpyxl, a style lookup) per cell. On 20,000 such rows
openpyxl's write-only mode took 10.4 s of CPU with a wrap style per cell and 4.4 s with none,
XlsxWriter 2.2 s (in memory, every cell held until the end) to 4.4 s (constant memory), this
writer 0.8 s (``bench/RESULTS.md``). openpyxl still reads the files back in the tests.

What it writes is the small part of SpreadsheetML these documents need: inline strings, numbers,
booleans, dates and times (as serials with a date format, as openpyxl writes them), a bold
header row frozen at the top, column widths, wrapped top-aligned body cells. Text arrives already
made safe by :func:`weibao.core.exports.safe_cell` (no formula, no control character); here it is
only escaped for XML, and cut to Excel's limit of 32,767 characters a cell.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO, Any
from xml.sax.saxutils import quoteattr

from django.utils import timezone
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

#: Excel's limit on the characters of one cell.
CELL_LIMIT = 32767
#: Rows gathered before a write into the ZIP member (bounds the memory, amortises the calls).
FLUSH_ROWS = 500

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# The cell styles (indexes into cellXfs below).
HEADER, BODY, BODY_DATETIME, BODY_DATE, BODY_TIME = 1, 2, 3, 4, 5
#: The number formats openpyxl gives dates and times, so a file reads back the same.
DATETIME_FORMAT, DATE_FORMAT = "yyyy-mm-dd h:mm:ss", "yyyy-mm-dd"
NUMBER_FORMAT = ' applyNumberFormat="1"'
#: 21 is Excel's built-in h:mm:ss.
STYLES = (
    XML_HEAD + f'<styleSheet xmlns="{MAIN_NS}">'
    f'<numFmts count="2"><numFmt numFmtId="164" formatCode="{DATETIME_FORMAT}"/>'
    f'<numFmt numFmtId="165" formatCode="{DATE_FORMAT}"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    + "".join(
        f'<xf numFmtId="{fmt}" fontId="0" fillId="0" borderId="0" xfId="0"{apply}'
        ' applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>'
        for fmt, apply in ((0, ""), (164, NUMBER_FORMAT), (165, NUMBER_FORMAT), (21, NUMBER_FORMAT))
    )
    + "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
#: Characters a sheet name cannot hold.
TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")


def _text(value: str) -> str:
    if len(value) > CELL_LIMIT:
        value = value[:CELL_LIMIT]
    # "\r" is escaped: an XML reader turns a bare one into "\n".
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _cell(ref: str, value: Any, style: int) -> str:
    """One ``<c>`` element, or "" for an empty cell. ``style`` is the cell's style for text and
    numbers; dates and times take the dated variant of the body style."""
    if isinstance(value, str):
        if not value:  # as openpyxl: an empty text is no cell
            return ""
        return (
            f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{_text(value)}</t></is></c>'
        )
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" s="{style}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float | Decimal):
        if isinstance(value, int) or (value == value and abs(value) != float("inf")):  # NaN, ±∞: text
            return f'<c r="{ref}" s="{style}"><v>{value}</v></c>'
        return _cell(ref, str(value), style)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:  # a spreadsheet has no time zones: the local wall clock
            value = timezone.make_naive(value)
        return f'<c r="{ref}" s="{BODY_DATETIME}"><v>{to_excel(value)}</v></c>'
    if isinstance(value, datetime.date):
        return f'<c r="{ref}" s="{BODY_DATE}"><v>{to_excel(value)}</v></c>'
    if isinstance(value, datetime.time):
        return f'<c r="{ref}" s="{BODY_TIME}"><v>{to_excel(value)}</v></c>'
    return _cell(ref, str(value), style)


def _row(number: int, letters: list[str], values: Sequence[Any], style: int) -> str:
    while len(letters) < len(values):
        letters.append(get_column_letter(len(letters) + 1))
    cells = "".join([_cell(f"{letters[i]}{number}", v, style) for i, v in enumerate(values)])
    return f'<row r="{number}">{cells}</row>'


def _write_sheet(
    out: IO[bytes], header: Sequence[str], rows: Iterable[Sequence[Any]], widths: Sequence[float]
) -> None:
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, start=1)
    )
    out.write(
        (
            XML_HEAD + f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
            '<sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/>'
            + (f"<cols>{cols}</cols>" if cols else "")
            + "<sheetData>"
        ).encode()
    )
    letters: list[str] = []
    buffer = [_row(1, letters, header, HEADER)] if header else []
    for number, values in enumerate(rows, start=2):
        buffer.append(_row(number, letters, values, BODY))
        if len(buffer) >= FLUSH_ROWS:
            out.write("".join(buffer).encode(errors="replace"))
            buffer.clear()
    buffer.append("</sheetData></worksheet>")
    out.write("".join(buffer).encode(errors="replace"))


def _titles(titles: Iterable[str]) -> list[str]:
    """Sheet names Excel accepts: no ``\\ / * ? : [ ]``, at most 31 characters, unique."""
    seen: set[str] = set()
    names = []
    for title in titles:
        base = TITLE_FORBIDDEN.sub("_", title)[:31] or "Sheet"
        name, n = base, 1
        while name.lower() in seen:
            n += 1
            name = f"{base[: 31 - len(str(n))]}{n}"
        seen.add(name.lower())
        names.append(name)
    return names


def write_workbook(
    sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]], Sequence[float]]],
) -> bytes:
    """The XLSX of ``sheets``, each ``(title, header, rows, widths)``; the rows are consumed once."""
    buffer = io.BytesIO()
    names = _titles(title for title, *_rest in sheets)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        z.writestr(
            "[Content_Types].xml",
            XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>",
        )
        z.writestr(
            "_rels/.rels",
            XML_HEAD + f'<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" '
            f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        entries = "".join(
            f'<sheet name={quoteattr(name)} sheetId="{i}" r:id="rId{i}"/>'
            for i, name in enumerate(names, start=1)
        )
        z.writestr(
            "xl/workbook.xml",
            XML_HEAD + f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
            f'<bookViews><workbookView activeTab="0"/></bookViews><sheets>{entries}</sheets></workbook>',
        )
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            XML_HEAD + f'<Relationships xmlns="{PKG_REL_NS}">{rels}'
            f'<Relationship Id="rId{len(sheets) + 1}" Type="{REL_NS}/styles" Target="styles.xml"/>'
            "</Relationships>",
        )
        z.writestr("xl/styles.xml", STYLES)
        for i, (_title, header, rows, widths) in enumerate(sheets, start=1):
            with z.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as member:
                _write_sheet(member, header, rows, widths)
    return buffer.getvalue()
