"""The printed 服务报告: Weibao's default DOCX (a docxtpl template a hospital may replace with its own
on 文档模板) and the context it is filled from, as plain text."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from docx.shared import Pt

from weibao.documents.kinds import DocumentKind
from weibao.documents.render import docx_bytes, new_document

from .models import ServiceReport

KIND = "reports.service_report"

#: (label, key) of the report's body, in the order printed.
ROWS: list[tuple[str, str]] = [
    ("报告编号", "number"),
    ("医院", "hospital"),
    ("服务科室", "department"),
    ("系统/模块", "systems"),
    ("服务来源", "source"),
    ("服务方式", "mode"),
    ("报修时间", "reported_at"),
    ("到场时间", "arrived_at"),
    ("完成时间", "resolved_at"),
    ("服务工程师", "engineer"),
    ("故障/服务内容", "fault"),
    ("处理过程", "handling"),
    ("处理结果", "result"),
]


def default_template() -> bytes:
    doc = new_document()
    doc.styles["Normal"].font.size = Pt(10.5)
    doc.add_heading("{{ hospital }} 售后服务报告", level=1)
    doc.add_paragraph("合同：{{ contract_code }} {{ contract_title }}　　服务商：{{ vendor }}")
    table = doc.add_table(rows=len(ROWS), cols=2)
    table.style = "Table Grid"
    for row, (label, key) in zip(table.rows, ROWS, strict=True):
        row.cells[0].text = label
        row.cells[1].text = "{{ " + key + " }}"
    doc.add_heading("用户确认", level=2)
    sign = doc.add_table(rows=5, cols=2)
    sign.style = "Table Grid"
    for row, (label, value) in zip(
        sign.rows,
        [
            ("满意度", "{{ satisfaction }}"),
            ("用户意见", "{{ comments }}"),
            ("用户签字", "{{ signer }}"),
            ("手写签名", "{{ signature_image }}"),
            ("签字日期", "{{ signed_on }}"),
        ],
        strict=True,
    ):
        row.cells[0].text, row.cells[1].text = label, value
    doc.add_paragraph("{{ status_line }}")
    doc.add_paragraph("服务工程师签字：________　　用户签字：________")
    return docx_bytes(doc)


def sample_context() -> dict[str, Any]:
    return {
        "number": "FW2026-00001",
        "hospital": "示例医院",
        "contract_code": "HT-2026-001",
        "contract_title": "区域平台维保",
        "vendor": "示例服务商",
        "department": "放射科",
        "systems": "区域健康档案浏览器",
        "source": "工单 T2026-0001",
        "mode": "上门现场服务",
        "reported_at": "2026-10-03 03:00",
        "arrived_at": "2026-10-03 04:10",
        "resolved_at": "2026-10-03 05:40",
        "engineer": "赵工",
        "fault": "影像无法调阅",
        "handling": "重启服务",
        "result": "已恢复",
        "satisfaction": "满意",
        "comments": "",
        "signer": "张医生",
        "signed_on": "2026-10-03",
        "signature_image": "",
        "status_line": "用户已签字确认。",
    }


DOCUMENT_KIND = DocumentKind(
    code=KIND, label=_("服务报告"), default_template=default_template, sample_context=sample_context
)


def _when(value: datetime | None) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""


def report_context(report: ServiceReport) -> dict[str, Any]:
    """What the printed report shows (the drawn signature goes in as the image ``signature_image``)."""
    contract = report.contract
    if report.ticket_id:
        source = f"工单 {report.ticket.number}"  # type: ignore[union-attr]
    else:
        source = f"巡检 {report.inspection.name} #{report.inspection.sequence}"  # type: ignore[union-attr]
    signed = report.is_signed
    return {
        "number": report.number,
        "hospital": contract.hospital.name,
        "contract_code": contract.code,
        "contract_title": contract.title,
        "vendor": contract.vendor.name,
        "department": report.department_name,
        "systems": report.systems,
        "source": source,
        "mode": str(report.get_mode_display()),
        "reported_at": _when(report.reported_at),
        "arrived_at": _when(report.arrived_at),
        "resolved_at": _when(report.resolved_at),
        "engineer": report.engineer_name,
        "fault": report.fault,
        "handling": report.handling,
        "result": report.result,
        "satisfaction": str(report.get_satisfaction_display()) if signed else "",
        "comments": report.comments,
        "signer": report.signer_name,
        "signed_on": f"{report.signed_on:%Y-%m-%d}" if report.signed_on else "",
        "status_line": f"用户已于 {_when(report.signed_at)} 签字确认。" if signed else "待用户签字确认。",
    }
