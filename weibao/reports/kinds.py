"""The document kinds of the deliverables, each with a default docxtpl template built in code.

Every template has the same shape: a title, the contract and period, a table whose rows repeat
over ``items``, the period's totals and blank signature lines. A hospital may replace any of them
with its own DOCX (文档模板); :func:`sample_context` is what a replacement must render. The
columns are data (:data:`COLUMNS`): the XLSX of the 记录单 and the DOCX share them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _
from docx.enum.section import WD_ORIENT
from docx.shared import Cm, Pt

from weibao.documents.kinds import DocumentKind, register_kind
from weibao.documents.render import docx_bytes, new_document

from .service_report_doc import DOCUMENT_KIND as SERVICE_REPORT_KIND

PREFIX = "reports."

#: generator → (label, [(column header, key of an item)], summary lines with docxtpl tags)
COLUMNS: dict[str, list[tuple[str, str]]] = {
    "service_record": [
        ("序号", "n"),
        ("工单号", "number"),
        ("报告日期", "date"),
        ("科室", "department"),
        ("系统/模块", "system"),
        ("类别", "category"),
        ("问题描述", "description"),
        ("处理过程", "handling"),
        ("响应时间", "responded"),
        ("解决时间", "resolved"),
        ("工程师", "engineer"),
        ("确认", "confirmation"),
    ],
    "inspection_report": [
        ("序号", "n"),
        ("巡检项目", "name"),
        ("应完成日期", "due"),
        ("状态", "status"),
        ("完成时间", "done_at"),
        ("巡检人", "done_by"),
        ("方式", "mode"),
    ],
    "change_list": [
        ("序号", "n"),
        ("需求", "title"),
        ("系统", "system"),
        ("需求描述", "requirement"),
        ("范围", "scope"),
        ("状态", "state"),
        ("提出人", "requested_by"),
        ("提出日期", "requested_on"),
        ("上线日期", "deployed_on"),
    ],
    "tuning": [
        ("序号", "n"),
        ("日期", "date"),
        ("系统", "system"),
        ("调优内容", "content"),
        ("结果", "result"),
        ("工程师", "engineer"),
    ],
    "training": [
        ("序号", "n"),
        ("日期", "date"),
        ("培训内容", "content"),
        ("对象", "trainees"),
        ("人数", "count"),
        ("讲师", "trainer"),
    ],
    "meetings": [
        ("序号", "n"),
        ("日期", "date"),
        ("议题", "topic"),
        ("参会人", "attendees"),
        ("结论", "conclusions"),
    ],
    "service_reports": [
        ("序号", "n"),
        ("报告编号", "number"),
        ("服务日期", "date"),
        ("科室", "department"),
        ("系统/模块", "systems"),
        ("故障/服务内容", "fault"),
        ("服务工程师", "engineer"),
        ("满意度", "satisfaction"),
        ("用户签字", "signer"),
    ],
}

LABELS: dict[str, Any] = {
    "service_record": _("季度维保服务记录单"),
    "inspection_report": _("巡检报告"),
    "change_list": _("需求变更改造清单"),
    "tuning": _("系统调优记录"),
    "training": _("用户培训记录"),
    "meetings": _("需求沟通会议纪要"),
    "service_reports": _("服务报告汇总"),
}

SUMMARIES: dict[str, list[str]] = {
    "service_record": ["本期工单共 {{ items|length }} 件。"],
    "inspection_report": [
        "应巡检 {{ summary.due }} 次，已完成 {{ summary.done }} 次，逾期 {{ summary.overdue }} 次，未到期 {{ summary.planned }} 次。"
    ],
    "change_list": ["本期需求变更共 {{ items|length }} 项。"],
    "tuning": ["本期调优记录共 {{ items|length }} 条。"],
    "training": ["本期培训共 {{ items|length }} 次。"],
    "meetings": ["本期会议共 {{ items|length }} 次。"],
    "service_reports": ["本期经用户签字确认的服务报告共 {{ items|length }} 份。"],
}


def kind_code(generator: str) -> str:
    return PREFIX + generator


def build_template(generator: str) -> bytes:
    """The default DOCX of ``generator``: docxtpl tags in paragraphs and one repeating table row."""
    columns = COLUMNS[generator]
    doc = new_document()
    section = doc.sections[0]
    if len(columns) > 8:  # the 记录单's twelve columns need a landscape page
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(1.5))
    doc.styles["Normal"].font.size = Pt(9)
    doc.add_heading("{{ title }}", level=1)
    doc.add_paragraph("医院：{{ hospital }}　　服务商：{{ vendor }}")
    doc.add_paragraph("合同：{{ contract_code }} {{ contract_title }}")
    doc.add_paragraph("期间：{{ period }}（{{ period_range }}）")
    table = doc.add_table(rows=4, cols=len(columns))
    table.style = "Table Grid"
    rows = [
        [header for header, _key in columns],
        ["{%tr for r in items %}"] + [""] * (len(columns) - 1),
        ["{{ r." + key + " }}" for _header, key in columns],
        ["{%tr endfor %}"] + [""] * (len(columns) - 1),
    ]
    for row, texts in zip(table.rows, rows, strict=True):
        for cell, text in zip(row.cells, texts, strict=True):
            cell.text = text
    doc.add_paragraph("{% if not items %}本期无记录。{% endif %}")
    for line in SUMMARIES[generator]:
        doc.add_paragraph(line)
    doc.add_paragraph("生成时间：{{ produced_at }}　　生成人：{{ produced_by }}")
    doc.add_paragraph("{{ signature_line }}")
    return docx_bytes(doc)


def sample_context(generator: str) -> dict[str, Any]:
    """A context every default template of ``generator`` renders (one row of sample values)."""
    item = {key: f"示例{header}" for header, key in COLUMNS[generator]} | {"n": 1}
    return {
        "title": str(LABELS[generator]),
        "hospital": "示例医院",
        "vendor": "示例服务商",
        "contract_code": "HT-2026-001",
        "contract_title": "示例维保合同",
        "period": "2026Q3",
        "period_range": "2026-07-01 至 2026-09-30",
        "items": [item],
        "summary": {"due": 1, "done": 1, "overdue": 0, "planned": 0},
        "produced_at": "2026-10-01 09:00",
        "produced_by": "示例工程师",
        "signature_line": "服务商（乙方）签字：________　　信息科/信息中心签字：________",
    }


def _bind(generator: str) -> tuple[Callable[[], bytes], Callable[[], dict[str, Any]]]:
    return (lambda: build_template(generator)), (lambda: sample_context(generator))


def register_kinds() -> None:
    register_kind(SERVICE_REPORT_KIND)
    for generator, label in LABELS.items():
        template, sample = _bind(generator)
        register_kind(
            DocumentKind(
                code=kind_code(generator), label=label, default_template=template, sample_context=sample
            )
        )
