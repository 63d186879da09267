"""维保服务评价报告: seed 003's 附件1 laid out as a DOCX template (built here with python-docx, so a
hospital can download it, change it in Word and upload its own), its context from an assessment,
and the service that prints and archives it through the documents renderer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts import permissions
from weibao.accounts.models import User
from weibao.audit.context import AuditContext
from weibao.documents.models import GeneratedDocument
from weibao.documents.render import docx_bytes, new_document
from weibao.documents.services import document_print

from .grading import Rules
from .models import Assessment

KIND = "assessments.evaluation_report"
SIGNERS = {"department": "使用科室", "hospital_it": "信息中心", "hospital": "医院", "vendor": "服务商"}


def _table(doc: Any, rows: list[list[str]]) -> None:
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    for row, texts in zip(table.rows, rows, strict=True):
        for cell, text in zip(row.cells, texts, strict=True):
            cell.text = text


def default_template() -> bytes:
    """The 附件1 layout with docxtpl tags."""
    doc = new_document()
    doc.add_paragraph("{{ hospital }}")
    doc.add_heading("{{ period_label }}售后维保服务评价报告", level=1)
    _table(
        doc,
        [
            ["项目名称", "{{ project }}"],
            ["服务提供方", "{{ vendor }}"],
            ["评价区间", "{{ start }} 至 {{ end }}"],
            ["{%tr for e in evaluations %}", ""],
            [
                "{{ e.name }}",
                "服务效果抽查合格率：{{ e.grade_boxes }}（抽查 {{ e.marked }} 张，合格 {{ e.passed }} 张，合格率 {{ e.rate }}）",
            ],
            ["", "达到100%为优秀，≥90%为良好，≥80%为合格，＜80%为不合格"],
            ["", "无恶性事件发生情况：{{ e.adverse_boxes }}（恶性事件 {{ adverse_count }} 起）"],
            ["", "评价：{{ e.grade }}　评价人：{{ e.evaluator }}　评价日期：{{ e.date }}"],
            ["{%tr endfor %}", ""],
            ["服务响应效率", "大于{{ late_threshold }}次数 {{ late_count }} 次"],
            ["因乙方未提前通知导致甲方系统故障", "故障次数 {{ fault_count }} 次（{{ fault_detail }}）"],
            ["评价结果", "{{ grade }}"],
        ],
    )
    doc.add_paragraph("扣款明细")
    _table(
        doc,
        [
            ["扣款规则", "依据", "证据工单", "金额（元）"],
            ["{%tr for l in lines %}", "", "", ""],
            ["{{ l.rule }}", "{{ l.basis }}", "{{ l.tickets }}", "{{ l.amount }}"],
            ["{%tr endfor %}", "", "", ""],
            ["扣款合计", "", "", "{{ deduction_total }}"],
        ],
    )
    doc.add_paragraph("监理单位（盖章）：")
    doc.add_paragraph("监理工程师：____________　日      期：____________")
    doc.add_paragraph("审计单位（盖章）：")
    doc.add_paragraph("单位代表：____________　日      期：____________")
    return docx_bytes(doc)


def _boxes(labels: list[str], chosen: str) -> str:
    return " ".join(("■" if label == chosen else "□") + label for label in labels)


def report_context(assessment: Assessment) -> dict[str, Any]:
    """What the template is filled with, from the assessment as it stands."""
    contract = assessment.contract
    facts = assessment.facts
    rule: dict[str, Any] = next(
        (r for r in contract.assessments or [] if r.get("code") == assessment.rule), {}
    )
    grading = rule.get("grading")
    labels = [g.label for g in Rules.from_data(grading).grades] if grading else ["合格", "不合格"]
    adverse = facts["adverse_events"]["count"]
    signed = timezone.localdate(assessment.signed_at).isoformat() if assessment.signed_at else ""
    evaluations = []
    for ev in assessment.evaluations.all():
        rows = list(ev.rows.values_list("result", flat=True))
        marked = [r for r in rows if r != "pending"]
        evaluations.append(
            {
                "name": ev.name,
                "grade_boxes": _boxes(labels, ev.rate_grade_label),
                "adverse_boxes": _boxes(labels, labels[-1] if adverse else labels[0]),
                "marked": len(marked),
                "passed": sum(1 for r in marked if r == "pass"),
                "rate": f"{ev.pass_percent}%" if ev.pass_percent is not None else "—",
                "grade": ev.grade_label or "未定",
                "evaluator": SIGNERS.get(ev.evaluator, ev.evaluator),
                "date": signed,
            }
        )
    late = next(iter(facts.get("late", {}).values()), {"count": 0, "threshold": ""})
    faults = facts["vendor_faults"]
    return {
        "hospital": contract.hospital.name,
        "period_label": f"{assessment.period} {assessment.rule_name}",
        "project": contract.title,
        "vendor": contract.vendor.name,
        "start": assessment.start.isoformat(),
        "end": (assessment.end - timedelta(days=1)).isoformat(),
        "evaluations": evaluations,
        "adverse_count": adverse,
        "late_threshold": late.get("threshold") or "",
        "late_count": late["count"],
        "fault_count": faults["count"],
        "fault_detail": "，".join(f"{g['label']} {g['count']} 次" for g in faults["by_severity"]) or "无",
        "grade": assessment.grade_label or "未定",
        "lines": [
            {
                "rule": line.rule_name,
                "basis": line.basis + (f"（已免除：{line.waived_reason}）" if line.waived else ""),
                "tickets": "、".join(f"#{t}" for t in line.tickets),
                "amount": "0.00" if line.waived else str(line.amount),
            }
            for line in assessment.deduction_lines.all()
        ],
        "deduction_total": str(assessment.deduction_total),
    }


def sample_context() -> dict[str, Any]:
    ev = {
        "name": "服务水平评价（使用科室评价）",
        "grade_boxes": "□优秀 ■良好 □合格 □不合格",
        "adverse_boxes": "■优秀 □良好 □合格 □不合格",
        "marked": 20,
        "passed": 19,
        "rate": "95.00%",
        "grade": "良好",
        "evaluator": "使用科室",
        "date": "2026-10-10",
    }
    return {
        "hospital": "示例医院",
        "period_label": "2026Q3 季度售后维保服务评价",
        "project": "DRG智能化综合管理系统售后维保",
        "vendor": "示例厂商",
        "start": "2026-07-01",
        "end": "2026-09-30",
        "evaluations": [ev],
        "adverse_count": 0,
        "late_threshold": "1h",
        "late_count": 2,
        "fault_count": 1,
        "fault_detail": "严重 1 次",
        "grade": "良好",
        "lines": [{"rule": "服务响应效率", "basis": "超过1h一次", "tickets": "#1", "amount": "440.00"}],
        "deduction_total": "440.00",
    }


def evaluation_report_produce(
    *, actor: User | None, assessment: Assessment, context: AuditContext | None = None
) -> GeneratedDocument:
    """Print the assessment's 评价报告 from the hospital's template (or the default) and archive it.
    ``actor=None`` is the system (``weibao deliverables build``)."""
    contract = assessment.contract
    if actor is not None and not permissions.can_prepare_assessment(actor, contract):
        raise PermissionDenied(_("只有医院管理员或厂商项目经理可以生成评价报告。"))
    return document_print(
        actor=actor,
        hospital=contract.hospital,
        contract=contract,
        kind=KIND,
        data=report_context(assessment),
        title=f"{contract.code} {assessment.period} 维保服务评价报告",
        filename=f"{contract.code}-{assessment.period}-评价报告.docx",
        subject=f"assessments.assessment:{assessment.pk}",
        period=assessment.period,
        context=context,
    )
