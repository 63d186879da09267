"""Writes of emergency plans (versioned), drills and incident reports, and the report's timeline
and DOCX (document kind ``duty.incident_report``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts import permissions
from weibao.accounts.models import User
from weibao.audit.context import AuditContext
from weibao.audit.services import audit_record
from weibao.contracts.models import Contract, MaintainedSystem
from weibao.documents.models import GeneratedDocument
from weibao.documents.render import docx_bytes, new_document
from weibao.documents.services import document_print
from weibao.servicedesk.choices import TicketState
from weibao.servicedesk.models import Ticket, TicketEvent

from . import timeline
from .choices import MILESTONES, IncidentState
from .models import CorrectiveAction, Drill, EmergencyPlan, IncidentReport

KIND = "duty.incident_report"


def _text(value: str, field: str, label: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("请填写%(label)s。") % {"label": label}})
    return value


def emergency_plan_save(
    *,
    actor: User | None,
    contract: Contract,
    code: str,
    title: str,
    content: str,
    responsible: User,
    escalation: Sequence[dict[str, Any]] = (),
    system: MaintainedSystem | None = None,
    context: AuditContext | None = None,
) -> EmergencyPlan:
    """A new version of the plan ``code`` of the contract (version 1 when it is new)."""
    permissions.require_write_emergency(actor, contract)
    code, title = _text(code, "code", _("编号")), _text(title, "title", _("名称"))
    content = _text(content, "content", _("预案内容"))
    if system is not None and system.contract_id != contract.pk:
        raise ValidationError({"system": _("这个系统不在本合同内。")})
    if not (
        permissions.may_stand_duty(responsible, contract)
        or permissions.is_hospital_admin(responsible, contract.hospital_id)
    ):
        raise ValidationError({"responsible": _("负责人必须是本合同厂商或医院的人员。")})
    with transaction.atomic():
        # Two revisions saved at once take two versions: the contract's row is locked meanwhile.
        Contract.objects.select_for_update().filter(pk=contract.pk).first()
        last = (
            EmergencyPlan.objects.filter(contract=contract, code=code).aggregate(v=Max("version"))["v"] or 0
        )
        plan = EmergencyPlan.objects.create(
            hospital_id=contract.hospital_id,
            contract=contract,
            system=system,
            code=code[:48],
            version=last + 1,
            title=title[:200],
            content=content,
            responsible=responsible,
            escalation=[dict(e) for e in escalation],
            created_by=actor,
        )
        audit_record(
            action="duty.emergency_plan",
            actor=actor,
            context=context,
            obj=plan,
            detail={"version": plan.version},
        )
    return plan


def drill_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """A drill's fields as a form or an API body names them (``date``…), as :func:`drill_record`
    and :func:`drill_update` take them (``day``…)."""
    return {
        "day": data["date"],
        "scenario": data["scenario"],
        "participants": data["participants"],
        "findings": data.get("findings") or "",
    }


def _drill_values(day: date, scenario: str, participants: str, findings: str) -> dict[str, Any]:
    """A drill's fields checked and cleaned, as the model names them."""
    if day > timezone.localdate():
        raise ValidationError({"date": _("演练日期不能晚于今天。")})
    return {
        "date": day,
        "scenario": _text(scenario, "scenario", _("演练场景")),
        "participants": _text(participants, "participants", _("参加人员")),
        "findings": (findings or "").strip(),
    }


def drill_record(
    *,
    actor: User | None,
    plan: EmergencyPlan,
    day: date,
    scenario: str,
    participants: str,
    findings: str = "",
    context: AuditContext | None = None,
) -> Drill:
    """Record an emergency drill of ``plan``."""
    permissions.require_write_emergency(actor, plan.contract)
    values = _drill_values(day, scenario, participants, findings)
    with transaction.atomic():
        drill = Drill.objects.create(
            hospital_id=plan.hospital_id, contract_id=plan.contract_id, plan=plan, created_by=actor, **values
        )
        audit_record(action="duty.drill", actor=actor, context=context, obj=drill)
    return drill


def drill_update(
    *,
    actor: User | None,
    drill: Drill,
    day: date,
    scenario: str,
    participants: str,
    findings: str = "",
    context: AuditContext | None = None,
) -> Drill:
    """Correct a recorded drill (its date, scenario, participants, findings); the audit names
    the fields that changed."""
    permissions.require_write_emergency(actor, drill.contract)
    values = _drill_values(day, scenario, participants, findings)
    changed = sorted(f for f, v in values.items() if getattr(drill, f) != v)
    if not changed:
        return drill
    with transaction.atomic():
        for f in changed:
            setattr(drill, f, values[f])
        drill.save(update_fields=changed)
        audit_record(
            action="duty.drill_update", actor=actor, context=context, obj=drill, detail={"fields": changed}
        )
    return drill


def incident_create(
    *,
    actor: User | None,
    contract: Contract,
    title: str,
    tickets: Sequence[Ticket],
    plan: EmergencyPlan | None = None,
    context: AuditContext | None = None,
) -> IncidentReport:
    """Open an incident report over ``tickets`` (all of the contract's)."""
    permissions.require_write_emergency(actor, contract)
    if not tickets:
        raise ValidationError({"tickets": _("请至少关联一张工单。")})
    if any(t.contract_id != contract.pk for t in tickets):
        raise ValidationError({"tickets": _("关联的工单必须属于本合同。")})
    if plan is not None and plan.contract_id != contract.pk:
        raise ValidationError({"plan": _("应急预案必须属于本合同。")})
    with transaction.atomic():
        report = IncidentReport.objects.create(
            hospital_id=contract.hospital_id,
            contract=contract,
            title=_text(title, "title", _("事件名称"))[:200],
            plan=plan,
            created_by=actor,
        )
        report.tickets.set(tickets)
        audit_record(
            action="duty.incident",
            actor=actor,
            context=context,
            obj=report,
            detail={"tickets": [t.number for t in tickets]},
        )
    return report


INCIDENT_FIELDS = ("impact_systems", "impact_departments", "patients_affected", "root_cause", "data_loss")


def incident_update(
    *,
    actor: User | None,
    report: IncidentReport,
    actions: Sequence[tuple[str, str, date]] | None = None,
    context: AuditContext | None = None,
    **fields: str,
) -> IncidentReport:
    """Fill in the report (impact, root cause, data loss) and replace its corrective actions
    (action, owner, due date). A signed report no longer changes."""
    permissions.require_write_emergency(actor, report.contract)
    if report.state == IncidentState.SIGNED:
        raise ValidationError(_("应急报告已签字，不能再修改。"))
    unknown = set(fields) - set(INCIDENT_FIELDS)
    if unknown:
        raise ValidationError(_("未知字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    for name, value in fields.items():
        setattr(report, name, (value or "").strip())
    with transaction.atomic():
        report.save(update_fields=list(fields) or None)
        if actions is not None:
            for action, owner, _due in actions:
                if not action.strip() or not owner.strip():
                    raise ValidationError({"actions": _("每项整改措施都要写明措施和责任人。")})
            report.actions.all().delete()
            CorrectiveAction.objects.bulk_create(
                CorrectiveAction(report=report, action=a.strip()[:500], owner=o.strip()[:64], due=d)
                for a, o, d in actions
            )
        audit_record(action="duty.incident_edit", actor=actor, context=context, obj=report)
    return report


def incident_sign(
    *, actor: User | None, report: IncidentReport, context: AuditContext | None = None
) -> IncidentReport:
    """The hospital signs the report off; it needs its root cause and a restored timeline."""
    if not permissions.can_sign_incident(actor, report.contract):
        raise PermissionDenied(_("只有医院管理员可以签字确认应急报告。"))
    if report.state == IncidentState.SIGNED:
        raise ValidationError(_("应急报告已签字。"))
    if not report.root_cause:
        raise ValidationError({"root_cause": _("签字前请填写根本原因。")})
    if incident_timeline(report).milestones["restored"] is None:
        raise ValidationError(_("关联工单尚未全部解决，系统未恢复，不能签字。"))
    report.state, report.signed_by, report.signed_at = IncidentState.SIGNED, actor, timezone.now()
    with transaction.atomic():
        report.save(update_fields=["state", "signed_by", "signed_at"])
        audit_record(action="duty.incident_sign", actor=actor, context=context, obj=report)
    return report


# --- the timeline and the document ------------------------------------------------------------------

_RESTORED = {TicketState.RESOLVED, TicketState.CLOSED}
_CLOCK_EVENTS = {
    "responded": "responded",
    "escalated_onsite": "escalated",
    "arrived": "onsite",
    "resolved": "restored",
}


def incident_timeline(report: IncidentReport) -> timeline.Timeline:
    """The report's timeline from its tickets' timestamps (their creation and the clock events of
    their history: the first response, escalation and arrival, the last resolution)."""
    tickets = list(report.tickets.order_by("created_at", "pk"))
    firsts: dict[tuple[int, str], Any] = {}
    events = TicketEvent.objects.filter(ticket__in=tickets, clock_event__in=list(_CLOCK_EVENTS)).order_by(
        "at", "id"
    )
    for event in events.values("ticket_id", "clock_event", "at"):
        milestone = _CLOCK_EVENTS[event["clock_event"]]
        key = (event["ticket_id"], milestone)
        if milestone == "restored" or key not in firsts:  # the last resolution (after a reopen)
            firsts[key] = event["at"]
    facts = [
        timeline.TicketFacts(
            number=t.number,
            title=t.title,
            detected=t.created_at,
            responded=t.responded_at or firsts.get((t.pk, "responded")),
            escalated=firsts.get((t.pk, "escalated")),
            onsite=firsts.get((t.pk, "onsite")),
            # Reopened and not resolved again: not restored, whatever an earlier resolution said.
            restored=(t.resolved_at or firsts.get((t.pk, "restored"))) if t.state in _RESTORED else None,
        )
        for t in tickets
    ]
    return timeline.build(facts)


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def incident_context(report: IncidentReport) -> dict[str, Any]:
    """What the DOCX template is filled with."""
    tl = incident_timeline(report)
    labels = dict(MILESTONES)
    return {
        "hospital": report.contract.hospital.name,
        "vendor": report.contract.vendor.name,
        "contract": f"{report.contract.code} {report.contract.title}",
        "title": report.title,
        "plan": str(report.plan) if report.plan else "—",
        "milestones": [{"label": str(labels[m]), "at": _when(tl.milestones[m])} for m in timeline.MILESTONES],
        "duration": timeline.format_duration(tl.duration),
        "entries": [
            {"at": _when(e.at), "what": str(labels[e.milestone]), "ticket": f"{e.number} {e.title}"}
            for e in tl.entries
        ],
        "impact_systems": report.impact_systems or "—",
        "impact_departments": report.impact_departments or "—",
        "patients_affected": report.patients_affected or _("无"),
        "root_cause": report.root_cause or "—",
        "data_loss": report.data_loss or _("无"),
        "actions": [
            {
                "action": a.action,
                "owner": a.owner,
                "due": a.due.isoformat(),
                "done": _("已完成") if a.done else _("未完成"),
            }
            for a in report.actions.all()
        ],
        "signed_by": str(report.signed_by) if report.signed_by else "",
        "signed_at": _when(report.signed_at) if report.signed_at else "",
    }


def sample_context() -> dict[str, Any]:
    return {
        "hospital": "示例医院",
        "vendor": "示例厂商",
        "contract": "C-1 维保合同",
        "title": "PACS 存储故障",
        "plan": "YJ-01 v1",
        "milestones": [{"label": "发现", "at": "2026-10-03 03:00"}],
        "duration": "2 小时",
        "entries": [{"at": "2026-10-03 03:00", "what": "发现", "ticket": "T-1 影像无法调阅"}],
        "impact_systems": "PACS",
        "impact_departments": "放射科",
        "patients_affected": "无",
        "root_cause": "存储控制器故障",
        "data_loss": "无",
        "actions": [{"action": "更换控制器", "owner": "张伟", "due": "2026-10-10", "done": "未完成"}],
        "signed_by": "",
        "signed_at": "",
    }


def default_template() -> bytes:
    """Weibao's 应急报告 template, built with python-docx (docxtpl tags in paragraphs and rows)."""

    doc = new_document()
    doc.add_heading("应急报告", level=1)
    for line in (
        "事件：{{ title }}",
        "医院：{{ hospital }}    厂商：{{ vendor }}",
        "合同：{{ contract }}",
        "启用的应急预案：{{ plan }}",
    ):
        doc.add_paragraph(line)
    doc.add_heading("时间线", level=2)
    table = doc.add_table(rows=4, cols=2)
    for row, texts in zip(
        table.rows,
        [
            ["节点", "时间"],
            ["{%tr for m in milestones %}", ""],
            ["{{ m.label }}", "{{ m.at }}"],
            ["{%tr endfor %}", ""],
        ],
        strict=True,
    ):
        for cell, text in zip(row.cells, texts, strict=True):
            cell.text = text
    doc.add_paragraph("持续时间：{{ duration }}")
    table = doc.add_table(rows=4, cols=3)
    for row, texts in zip(
        table.rows,
        [
            ["时间", "事件", "工单"],
            ["{%tr for e in entries %}", "", ""],
            ["{{ e.at }}", "{{ e.what }}", "{{ e.ticket }}"],
            ["{%tr endfor %}", "", ""],
        ],
        strict=True,
    ):
        for cell, text in zip(row.cells, texts, strict=True):
            cell.text = text
    doc.add_heading("影响", level=2)
    doc.add_paragraph("影响的系统：{{ impact_systems }}")
    doc.add_paragraph("影响的科室：{{ impact_departments }}")
    doc.add_paragraph("受影响的患者：{{ patients_affected }}")
    doc.add_heading("原因与数据", level=2)
    doc.add_paragraph("根本原因：{{ root_cause }}")
    doc.add_paragraph("数据损失：{{ data_loss }}")
    doc.add_heading("整改措施", level=2)
    table = doc.add_table(rows=4, cols=4)
    for row, texts in zip(
        table.rows,
        [
            ["措施", "责任人", "完成日期", "状态"],
            ["{%tr for a in actions %}", "", "", ""],
            ["{{ a.action }}", "{{ a.owner }}", "{{ a.due }}", "{{ a.done }}"],
            ["{%tr endfor %}", "", "", ""],
        ],
        strict=True,
    ):
        for cell, text in zip(row.cells, texts, strict=True):
            cell.text = text
    doc.add_paragraph("医院签字：{{ signed_by }}    日期：{{ signed_at }}")
    return docx_bytes(doc)


def incident_print(
    *, actor: User | None, report: IncidentReport, context: AuditContext | None = None
) -> GeneratedDocument:
    """Render the report as DOCX from the hospital's template (or Weibao's) and keep it in the
    documents archive. Whoever may read the report may print it."""
    return document_print(
        actor=actor,
        hospital=report.hospital,
        contract=report.contract,
        kind=KIND,
        data=incident_context(report),
        title=_("应急报告：%(t)s") % {"t": report.title},
        filename=f"incident-{report.pk}.docx",
        subject=f"duty.incident:{report.pk}",
        context=context or AuditContext.system(),
    )
