"""The streaming XLSX writer behind ``render_xlsx``, read back by openpyxl: every value, the
header's style, the body's wrap, the date formats, the widths and the frozen header."""

from __future__ import annotations

import datetime
import io
import zipfile
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook

from weibao.core.exports import safe_row
from weibao.documents.render import Sheet, render_xlsx
from weibao.documents.xlsx import CELL_LIMIT

HEADER = ["序号", "工单号", "报告时间", "日期", "时刻", "金额", "比例", "已关闭", "描述", "备注"]
WIDTHS = [6, 18, 17, 12, 8, 10, 8, 8, 40, 30]
T0 = datetime.datetime(2026, 7, 1, 8, 30)
NOTES = [
    '=HYPERLINK("http://x")',  # a formula typed by a user: written as text
    "第一行\n第二行",
    "回车\r\n换行",
    "A & B <b>粗</b> ]]>",
    "  前后有空格  ",
    "控制\x01字符\x1f去掉",
    "",
    None,
    gettext_lazy("待确认"),
    "-1",
]
#: What openpyxl reads back for each of NOTES.
NOTES_READ = [
    '\'=HYPERLINK("http://x")',
    "第一行\n第二行",
    "回车\r\n换行",
    "A & B <b>粗</b> ]]>",
    "  前后有空格  ",
    "控制字符去掉",
    None,  # an empty text is no cell, as openpyxl writes it
    None,
    "待确认",
    "'-1",
]


def row(i: int) -> list:
    return [
        i,
        f"WB-2026-{i:06d}",
        T0 + datetime.timedelta(minutes=7 * i),
        datetime.date(2026, 7, 1) + datetime.timedelta(days=i % 92),
        datetime.time(i % 24, i % 60),
        Decimal(i) / 100,
        i / 8,
        i % 2 == 0,
        f"影像无法调阅 {i}：" + "描述" * (i % 50),
        NOTES[i % len(NOTES)],
    ]


def expected(i: int) -> list:
    values = row(i)
    values[3] = datetime.datetime.combine(values[3], datetime.time())  # openpyxl reads dates as datetimes
    values[5] = float(values[5]) if values[5] % 1 else int(values[5])
    values[9] = NOTES_READ[i % len(NOTES)]
    return values


def test_a_large_sheet_reads_back_with_its_values_styles_and_formats():
    n = 2000
    content = render_xlsx(
        [
            Sheet(
                title="季度维保服务记录单",
                header=HEADER,
                rows=(row(i) for i in range(1, n + 1)),
                widths=WIDTHS,
            )
        ]
    )
    wb = load_workbook(io.BytesIO(content))
    assert wb.sheetnames == ["季度维保服务记录单"]
    ws = wb.active
    values = [[c.value for c in r] for r in ws.iter_rows()]
    assert values[0] == HEADER
    assert len(values) == n + 1
    for i in range(1, n + 1):
        assert values[i] == expected(i), i
    assert ws.freeze_panes == "A2"
    assert [ws.column_dimensions[c].width for c in "ABCDEFGHIJ"] == WIDTHS
    for cell in ws[1]:
        assert cell.font.b is True
        assert cell.alignment.wrap_text is not True
    for r in (2, 1000, n + 1):
        body = ws[r]
        assert all(c.font.b is not True for c in body)
        assert all(
            c.alignment.wrap_text and c.alignment.vertical == "top" for c in body if c.value is not None
        )
        assert body[2].number_format == "yyyy-mm-dd h:mm:ss"
        assert body[3].number_format == "yyyy-mm-dd"
        assert body[4].number_format == "h:mm:ss"
        assert body[5].number_format == "General"
        assert body[8].number_format == "General"
    assert ws.cell(row=3, column=8).data_type == "b"


def test_the_values_read_back_as_from_openpyxls_own_writer():
    rows = [row(i) for i in range(1, 301)]
    reference = Workbook(write_only=True)
    sheet = reference.create_sheet("s")
    sheet.append(HEADER)
    for values in rows:
        sheet.append(safe_row(str(v) if isinstance(v, Promise) else v for v in values))
    out = io.BytesIO()
    reference.save(out)
    ours = render_xlsx([Sheet(title="s", header=HEADER, rows=rows)])

    def read(content: bytes) -> list[list]:
        return [[c.value for c in r] for r in load_workbook(io.BytesIO(content)).active.iter_rows()]

    assert read(ours) == read(out.getvalue())


def test_sheet_names_excel_refuses_are_mended_and_kept_apart():
    content = render_xlsx(
        [
            Sheet(title="2026/Q3 记录单: [全部]?", header=["a"], rows=[]),
            Sheet(title="记录单" * 20, header=["a"], rows=[[1]]),
            Sheet(title="记录单" * 20, header=["a"], rows=[[2]]),
        ]
    )
    wb = load_workbook(io.BytesIO(content))
    assert wb.sheetnames == ["2026_Q3 记录单_ _全部__", ("记录单" * 11)[:31], ("记录单" * 11)[:30] + "2"]
    assert [[c.value for c in r] for r in wb.worksheets[2].iter_rows()] == [["a"], [2]]
    assert wb.worksheets[0].max_row == 1


def test_default_widths_follow_the_header_and_aware_times_show_beijing_wall_clock():
    at = datetime.datetime(2026, 7, 1, 2, 0, tzinfo=datetime.UTC)
    content = render_xlsx(
        [Sheet(title="s", header=["编号", "一个很长很长很长的标题"], rows=[[at, "x" * 40000]])]
    )
    ws = load_workbook(io.BytesIO(content)).active
    assert ws.column_dimensions["A"].width == 10
    assert ws.column_dimensions["B"].width == 26
    assert ws["A2"].value == at.astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
    assert ws["B2"].value == "x" * CELL_LIMIT  # Excel's limit for one cell


def test_the_package_holds_the_parts_excel_needs():
    content = render_xlsx([Sheet(title="s", header=["a"], rows=[["b"]])])
    names = set(zipfile.ZipFile(io.BytesIO(content)).namelist())
    assert names == {
        "[Content_Types].xml",
        "_rels/.rels",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
        "xl/worksheets/sheet1.xml",
    }
