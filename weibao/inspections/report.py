"""The 巡检报告 of one inspection: a DOCX both parties sign, printed in two copies (一式两份), from a
template a hospital can replace with its own (``documents``), and the same items as XLSX. Each
produced file is archived with its SHA-256."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from docx.shared import Pt

from weibao.accounts import permissions
from weibao.accounts.models import User
from weibao.audit.context import AuditContext
from weibao.contracts.models import MaintainedSystem
from weibao.documents.kinds import DocumentKind
from weibao.documents.models import GeneratedDocument
from weibao.documents.render import Sheet, docx_bytes, new_document, render_xlsx
from weibao.documents.services import document_print, document_store

from .choices import InspectionMode, ItemResult, SignSide
from .models import Inspection
from .selectors import inspection_items, inspection_signatures

KIND = "inspections.report"
FORMATS = ("docx", "xlsx")
ITEM_HEADER = ["区域", "检查对象", "检查项", "结果", "数值", "说明", "工单"]


def _table(doc: Any, rows: list[list[str]]) -> None:
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    for row, texts in zip(table.rows, rows, strict=True):
        for cell, text in zip(row.cells, texts, strict=True):
            cell.text = text


def default_template() -> bytes:
    """Weibao's 巡检报告 layout (a docxtpl template: a hospital may download it, change it in Word
    and upload its own on 文档模板)."""
    doc = new_document()
    doc.styles["Normal"].font.size = Pt(10.5)
    doc.add_heading("{{ hospital }} 信息系统巡检报告", level=1)
    for line in (
        "合同：{{ contract_code }} {{ contract_title }}",
        "维保厂商：{{ vendor }}",
        "巡检系统：{{ systems }}",
        "巡检名称：{{ name }}（第 {{ sequence }} 次，截止 {{ due }}）",
        "巡检日期：{{ date }}　方式：{{ mode }}　工程师：{{ engineer }}",
        "检查结果：共 {{ total }} 项，正常 {{ ok }} 项，异常 {{ abnormal }} 项，不适用 {{ na }} 项",
    ):
        doc.add_paragraph(line)
    doc.add_heading("一、检查项目", level=2)
    loop = ["{%tr for i in items %}"] + [""] * (len(ITEM_HEADER) - 1)
    cells = ["{{ i.area }}", "{{ i.subject }}", "{{ i.label }}", "{{ i.result }}", "{{ i.value }}"]
    _table(
        doc,
        [
            ITEM_HEADER,
            loop,
            [*cells, "{{ i.note }}", "{{ i.ticket }}"],
            ["{%tr endfor %}"] + [""] * (len(ITEM_HEADER) - 1),
        ],
    )
    doc.add_heading("二、巡检发现", level=2)
    doc.add_paragraph("{{ findings }}")
    doc.add_heading("三、处理建议", level=2)
    doc.add_paragraph("{{ recommendations }}")
    doc.add_heading("四、本次巡检开具的工单", level=2)
    _table(
        doc,
        [
            ["工单号", "标题", "状态"],
            ["{%tr for t in tickets %}", "", ""],
            ["{{ t.number }}", "{{ t.title }}", "{{ t.state }}"],
            ["{%tr endfor %}", "", ""],
        ],
    )
    doc.add_paragraph("{% if not tickets %}无{% endif %}")
    doc.add_heading("五、签字确认", level=2)
    _table(
        doc,
        [
            ["维保厂商（乙方）", "医院信息科（甲方）"],
            ["签字：{{ vendor_signer }}", "签字：{{ hospital_signer }}"],
            ["{{ vendor_signature }}", "{{ hospital_signature }}"],
            ["日期：{{ vendor_signed_on }}", "日期：{{ hospital_signed_on }}"],
        ],
    )
    doc.add_paragraph("本报告一式两份，甲乙双方各执一份。")
    return docx_bytes(doc)


def sample_context() -> dict[str, Any]:
    return {
        "hospital": "示例医院",
        "contract_code": "HT-2026-001",
        "contract_title": "PACS 维保",
        "vendor": "示例厂商",
        "systems": "PACS",
        "name": "季度巡检",
        "sequence": 1,
        "due": "2026-03-31",
        "date": "2026-03-20",
        "mode": "现场",
        "engineer": "赵工",
        "total": 1,
        "ok": 1,
        "abnormal": 0,
        "na": 0,
        "items": [
            {"area": "服务器资源", "subject": "PACS", "label": "CPU", "result": "正常", "value": "35 %"}
        ],
        "findings": "",
        "recommendations": "",
        "tickets": [],
        "vendor_signer": "赵工",
        "hospital_signer": "张工",
        "vendor_signed_on": "2026-03-20",
        "hospital_signed_on": "2026-03-20",
        "vendor_signature": "",
        "hospital_signature": "",
    }


DOCUMENT_KIND = DocumentKind(
    code=KIND, label=_("巡检报告"), default_template=default_template, sample_context=sample_context
)


def _value(item: Any) -> str:
    if item.value is None:
        return ""
    text = format(item.value.normalize(), "f")
    return f"{text} {item.unit}".strip()


def report_context(inspection: Inspection) -> dict[str, Any]:
    """What the report shows, as plain text (a template shows it as it is)."""
    contract = inspection.contract
    items = list(inspection_items(inspection))
    results = dict(ItemResult.choices)
    signatures = inspection_signatures(inspection)
    tickets: dict[int, Any] = {i.ticket.pk: i.ticket for i in items if i.ticket is not None}
    vendor_sig, hospital_sig = signatures.get(SignSide.VENDOR), signatures.get(SignSide.HOSPITAL)
    when = inspection.done_at or inspection.started_at
    engineer = (
        vendor_sig.name if vendor_sig else (str(inspection.started_by) if inspection.started_by else "")
    )
    systems = (
        MaintainedSystem.objects.filter(contract=contract).order_by("name").values_list("name", flat=True)
    )
    return {
        "hospital": contract.hospital.name,
        "contract_code": contract.code,
        "contract_title": contract.title,
        "vendor": contract.vendor.name,
        "systems": "、".join(systems),
        "name": inspection.name,
        "sequence": inspection.sequence,
        "due": f"{inspection.due:%Y-%m-%d}",
        "date": f"{timezone.localtime(when):%Y-%m-%d}" if when else "",
        "mode": str(InspectionMode(inspection.mode).label) if inspection.mode else "",
        "engineer": engineer,
        "total": len(items),
        "ok": sum(1 for i in items if i.result == ItemResult.OK),
        "abnormal": sum(1 for i in items if i.result == ItemResult.ABNORMAL),
        "na": sum(1 for i in items if i.result == ItemResult.NOT_APPLICABLE),
        "items": [
            {
                "area": i.area_label,
                "subject": i.subject,
                "label": i.label,
                "result": str(results.get(i.result, "未填")),
                "value": _value(i),
                "note": i.note,
                "ticket": i.ticket.number if i.ticket else "",
            }
            for i in items
        ],
        "findings": inspection.findings or "无",
        "recommendations": inspection.recommendations or "无",
        "tickets": [
            {"number": t.number, "title": t.title, "state": t.get_state_display()} for t in tickets.values()
        ],
        "vendor_signer": vendor_sig.name if vendor_sig else "",
        "hospital_signer": hospital_sig.name if hospital_sig else "",
        "vendor_signed_on": f"{vendor_sig.signed_on:%Y-%m-%d}" if vendor_sig else "",
        "hospital_signed_on": f"{hospital_sig.signed_on:%Y-%m-%d}" if hospital_sig else "",
    }


def _images(inspection: Inspection) -> dict[str, bytes | None]:
    signatures = inspection_signatures(inspection)
    return {
        f"{side}_signature": bytes(signatures[side].image)
        if side in signatures and signatures[side].image
        else None
        for side in (SignSide.VENDOR, SignSide.HOSPITAL)
    }


def inspection_report_produce(
    *, actor: User, inspection: Inspection, fmt: str = "docx", context: AuditContext | None = None
) -> GeneratedDocument:
    """Print the inspection's 巡检报告 (DOCX from the hospital's template, or the items as XLSX)
    and archive it with its SHA-256. The vendor's people on the contract and the hospital's admins
    print it; a report printed before both have signed shows blank signature lines."""
    permissions.require_print_inspection_report(actor, inspection.contract)
    data = report_context(inspection)
    hospital = inspection.contract.hospital
    stem = f"巡检报告-{inspection.contract.code}-{inspection.due:%Y%m%d}-{inspection.sequence}"
    archived_as = {
        "actor": actor,
        "hospital": hospital,
        "contract": inspection.contract,
        "kind": KIND,
        "title": f"{inspection.name} #{inspection.sequence}",
        "subject": f"inspections.inspection:{inspection.pk}",
        "context": context,
    }
    if fmt != "xlsx":
        return document_print(data=data, images=_images(inspection), filename=f"{stem}.docx", **archived_as)
    rows = [
        [i["area"], i["subject"], i["label"], i["result"], i["value"], i["note"], i["ticket"]]
        for i in data["items"]
    ]
    content = render_xlsx(
        [Sheet(title="巡检项", header=ITEM_HEADER, rows=rows, widths=[16, 18, 30, 8, 12, 40, 18])]
    )
    return document_store(filename=f"{stem}.xlsx", content=content, **archived_as)


def reports_of(inspection: Inspection) -> list[GeneratedDocument]:
    return list(
        GeneratedDocument.objects.filter(
            kind=KIND, subject=f"inspections.inspection:{inspection.pk}", pdf_of=None
        ).select_related("produced_by", "pdf_copy")
    )
