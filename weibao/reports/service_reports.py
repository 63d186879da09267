"""Writes of the 服务报告 (seed 004: 每次服务完成后，服务商都应向用户提交正规的售后服务报告，并应得到用户
签字认可): written by the vendor's engineer from a ticket or an inspection, prefilled from it;
changed while a draft; signed by the user (the department served or the hospital's IT), after
which nothing of it changes; printed as DOCX (document kind ``reports.service_report``) and
archived with its SHA-256.

Where the prefill takes the times from: a ticket's report time (``created_at``), its first
``arrived`` clock event (到场) and its last resolution (``resolved_at``, else the last
``resolved`` event); an inspection's start and completion.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts import permissions
from weibao.accounts.models import User
from weibao.audit.context import AuditContext
from weibao.audit.services import audit_record
from weibao.contracts.models import MaintainedSystem
from weibao.documents.models import GeneratedDocument
from weibao.documents.services import document_print
from weibao.inspections.choices import ItemResult
from weibao.inspections.doing import signature_png
from weibao.inspections.models import Inspection
from weibao.servicedesk.choices import EventKind
from weibao.servicedesk.models import Ticket, TicketEvent

from .builders import ticket_handling
from .choices import Satisfaction, ServiceMode, ServiceReportSource, ServiceReportState
from .models import ServiceReport
from .service_report_doc import KIND, report_context

#: What the engineer may change while the report is a draft.
EDITABLE = (
    "department_name",
    "systems",
    "mode",
    "fault",
    "handling",
    "result",
    "reported_at",
    "arrived_at",
    "resolved_at",
    "engineer_name",
)
TEXT_LIMITS = {"department_name": 100, "systems": 300, "engineer_name": 64}
#: A clock a little ahead of the server's is not an error; a service an hour in the future is.
FUTURE_SLACK = timedelta(minutes=10)


class ServiceReportFrozen(ValidationError):
    """The user has signed the report: nothing of it changes any more."""

    def __init__(self) -> None:
        super().__init__(_("服务报告已由用户签字确认，已冻结，不能再修改。"), code="frozen")


def _person(user: Any) -> str:
    return (user.display_name or user.username) if user is not None else ""


# --- the prefill ------------------------------------------------------------------------------------


def ticket_prefill(ticket: Ticket) -> dict[str, Any]:
    """The report's fields as the ticket and its timeline say them."""
    arrived: datetime | None = None
    resolved: datetime | None = None
    for clock_event, at in (
        TicketEvent.objects.filter(ticket=ticket, clock_event__in=["arrived", "resolved"])
        .order_by("at", "id")
        .values_list("clock_event", "at")
    ):
        if clock_event == "arrived" and arrived is None:
            arrived = at
        elif clock_event == "resolved":
            resolved = at  # the last one (after a reopen)
    moves = list(
        TicketEvent.objects.filter(ticket=ticket, kind=EventKind.TRANSITION)
        .exclude(action="")
        .order_by("at", "id")
        .values_list("at", "action")
    )
    system = " / ".join(x.name for x in (ticket.system, ticket.module) if x is not None)
    department = ticket.department.name if ticket.department else ticket.caller_department
    fault = ticket.title + (f"：{ticket.description}" if ticket.description else "")
    result = ticket.solution
    if ticket.root_cause:
        result = f"{result}（原因：{ticket.root_cause}）" if result else f"原因：{ticket.root_cause}"
    return {
        "department_name": department or "",
        "systems": system,
        "mode": ServiceMode.ONSITE if arrived is not None else ServiceMode.REMOTE,
        "fault": fault,
        "handling": ticket_handling(moves),
        "result": result,
        "reported_at": ticket.created_at,
        "arrived_at": arrived,
        "resolved_at": ticket.resolved_at or resolved,
        "engineer_name": _person(ticket.assignee),
    }


def inspection_prefill(inspection: Inspection) -> dict[str, Any]:
    """The report's fields as the inspection says them: its systems, what was found (the abnormal
    items and the findings), the recommendations, when it started and was done."""
    systems = MaintainedSystem.objects.filter(contract_id=inspection.contract_id).order_by("name")
    abnormal = [
        f"{i.subject} {i.label}：{i.note}".strip("：") if i.note else f"{i.subject} {i.label}".strip()
        for i in inspection.items.filter(result=ItemResult.ABNORMAL).order_by("pk")
    ]
    found = inspection.findings.strip()
    if abnormal:
        found = "\n".join(
            [found, "异常项：" + "；".join(abnormal)] if found else ["异常项：" + "；".join(abnormal)]
        )
    return {
        "department_name": "",
        "systems": "、".join(s.name for s in systems),
        # An inspection done "on site or remote" (both) counts as on site unless the engineer says.
        "mode": inspection.mode if inspection.mode in ServiceMode.values else ServiceMode.ONSITE,
        "fault": f"{inspection.name}（第 {inspection.sequence} 次巡检）",
        "handling": found or _("按巡检清单逐项检查。"),
        "result": inspection.recommendations,
        "reported_at": None,
        "arrived_at": inspection.started_at,
        "resolved_at": inspection.done_at,
        "engineer_name": _person(inspection.started_by),
    }


# --- checks -------------------------------------------------------------------------------------------


def _clean(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The editable fields, trimmed and checked: known names, lengths, a service mode, and times
    that follow each other and are not in the future."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError(_("未知字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    clean: dict[str, Any] = {}
    for name, value in fields.items():
        if name.endswith("_at"):
            if value is not None and not isinstance(value, datetime):
                raise ValidationError({name: _("时间格式不正确。")})
            if value is not None and timezone.is_naive(value):
                value = timezone.make_aware(value)
            clean[name] = value
            continue
        text = (value or "").strip() if isinstance(value, str) or value is None else str(value)
        limit = TEXT_LIMITS.get(name)
        if limit and len(text) > limit:
            raise ValidationError({name: _("不能超过 %(n)s 个字。") % {"n": limit}})
        if name == "mode" and text not in ServiceMode.values:
            raise ValidationError({"mode": _("服务方式只能是上门现场服务或远程服务。")})
        clean[name] = text
    return clean


def _check_times(report: ServiceReport) -> None:
    latest = timezone.now() + FUTURE_SLACK
    for name in ("reported_at", "arrived_at", "resolved_at"):
        value = getattr(report, name)
        if value is not None and value > latest:
            raise ValidationError({name: _("时间不能晚于现在。")})
    if report.reported_at and report.arrived_at and report.arrived_at < report.reported_at:
        raise ValidationError({"arrived_at": _("到场时间不能早于报修时间。")})
    start = report.arrived_at or report.reported_at
    if start and report.resolved_at and report.resolved_at < start:
        raise ValidationError({"resolved_at": _("完成时间不能早于报修或到场时间。")})


def _lock(report: ServiceReport) -> ServiceReport:
    row: ServiceReport = ServiceReport.objects.select_for_update().get(pk=report.pk)
    if row.state == ServiceReportState.SIGNED:
        raise ServiceReportFrozen()
    return row


# --- writes -------------------------------------------------------------------------------------------


def service_report_create(
    *,
    actor: User,
    ticket: Ticket | None = None,
    inspection: Inspection | None = None,
    fields: Mapping[str, Any] | None = None,
    context: AuditContext | None = None,
) -> ServiceReport:
    """A draft 服务报告 of ``ticket`` or ``inspection`` (exactly one), prefilled from it; ``fields``
    (the editable ones) replace what the prefill says. One draft at a time per ticket or
    inspection: a second one is refused, the first is to be finished and signed."""
    if (ticket is None) == (inspection is None):
        raise ValidationError(_("服务报告须来自一张工单或一次巡检。"))
    source_obj: Ticket | Inspection = ticket if ticket is not None else inspection  # type: ignore[assignment]
    contract = source_obj.contract
    permissions.require_write_service_report(actor, contract)
    if inspection is not None and inspection.started_at is None:
        raise ValidationError(_("巡检尚未开始，不能填写服务报告。"))
    values = ticket_prefill(ticket) if ticket is not None else inspection_prefill(inspection)  # type: ignore[arg-type]
    values.update(_clean(fields or {}))
    if not values["engineer_name"]:
        values["engineer_name"] = _person(actor)[:64]
    with transaction.atomic():
        drafts = ServiceReport.objects.select_for_update().filter(state=ServiceReportState.DRAFT)
        drafts = drafts.filter(ticket=ticket) if ticket is not None else drafts.filter(inspection=inspection)
        if drafts.exists():
            raise ValidationError(_("已有一份待用户签字的服务报告，请先完成签字。"), code="draft_exists")
        report = ServiceReport(
            hospital_id=contract.hospital_id,
            contract=contract,
            source=ServiceReportSource.TICKET if ticket is not None else ServiceReportSource.INSPECTION,
            ticket=ticket,
            inspection=inspection,
            department_id=ticket.department_id if ticket is not None else None,
            engineer=(ticket.assignee if ticket is not None and ticket.assignee_id else actor),
            created_by=actor,
            **values,
        )
        _check_times(report)
        report.save()
        audit_record(
            action="service_report.create",
            actor=actor,
            context=context,
            obj=report,
            detail={"source": report.source, "ticket": ticket.number if ticket else None},
        )
    return report


def service_report_update(
    *,
    actor: User,
    report: ServiceReport,
    fields: Mapping[str, Any],
    context: AuditContext | None = None,
) -> ServiceReport:
    """Change the draft's fields; a signed report is frozen (:class:`ServiceReportFrozen`)."""
    permissions.require_write_service_report(actor, report.contract)
    clean = _clean(fields)
    with transaction.atomic():
        row = _lock(report)
        for name, value in clean.items():
            setattr(row, name, value)
        _check_times(row)
        row.updated_at = timezone.now()
        row.save(update_fields=[*clean, "updated_at"])
        audit_record(
            action="service_report.update",
            actor=actor,
            context=context,
            obj=row,
            detail={"fields": sorted(clean)},
        )
    return row


def service_report_sign(
    *,
    actor: User,
    report: ServiceReport,
    signer_name: str,
    satisfaction: str,
    comments: str = "",
    signature: str = "",
    on_device_of: User | None = None,
    context: AuditContext | None = None,
) -> ServiceReport:
    """The user signs the report off (用户签字认可): their name as written, their satisfaction,
    comments, and optionally a drawn signature (a PNG data URL). Signed, the report is frozen.
    ``on_device_of``: the engineer whose phone the user signed on (the audit record says so)."""
    if not permissions.can_sign_service_report(actor, report.contract, report.department_id):
        raise PermissionDenied(_("只有服务科室的用户或医院信息科可以签字确认服务报告。"))
    signer_name = (signer_name or "").strip()
    if not signer_name:
        raise ValidationError({"signer_name": _("请填写签字人姓名。")})
    if len(signer_name) > 64:
        raise ValidationError({"signer_name": _("姓名不能超过 64 个字。")})
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": _("请选择满意度：满意、基本满意或不满意。")})
    comments = (comments or "").strip()
    if satisfaction == Satisfaction.DISSATISFIED and not comments:
        raise ValidationError({"comments": _("选择不满意时请写明意见。")})
    png = signature_png(signature or "")
    with transaction.atomic():
        row = _lock(report)
        if not row.fault.strip() or not row.handling.strip():
            raise ValidationError(_("服务报告缺少故障/服务内容或处理过程，请工程师补充后再签字。"))
        now = timezone.now()
        row.state = ServiceReportState.SIGNED
        row.signer_name, row.satisfaction, row.comments = signer_name, satisfaction, comments[:5000]
        row.signature, row.signed_by, row.signed_at = png, actor, now
        row.signed_on = timezone.localdate(now)
        row.updated_at = now
        row.save(
            update_fields=[
                "state",
                "signer_name",
                "satisfaction",
                "comments",
                "signature",
                "signed_by",
                "signed_at",
                "signed_on",
                "updated_at",
            ]
        )
        audit_record(
            action="service_report.sign",
            actor=actor,
            context=context,
            obj=row,
            detail={
                "signer": signer_name,
                "satisfaction": satisfaction,
                "drawn": png is not None,
                "on_device_of": on_device_of.username if on_device_of is not None else None,
            },
        )
    return row


def service_report_print(
    *, actor: User, report: ServiceReport, context: AuditContext | None = None
) -> GeneratedDocument:
    """Print the report as DOCX from the hospital's template (or Weibao's) and archive it with its
    SHA-256. Before the user has signed, the signature lines are blank."""
    if not permissions.can_print_service_report(actor, report.contract):
        raise PermissionDenied(_("只有合同双方的人员可以打印服务报告。"))
    hospital = report.contract.hospital
    png = bytes(report.signature) if report.signature else None
    day = timezone.localtime(report.created_at).strftime("%Y%m%d")
    return document_print(
        actor=actor,
        hospital=hospital,
        contract=report.contract,
        kind=KIND,
        data=report_context(report),
        images={"signature_image": png},
        title=f"服务报告 {report.number}",
        filename=f"服务报告-{report.contract.code}-{day}-{report.pk}.docx",
        subject=f"reports.service_report:{report.pk}",
        context=context,
    )


def printed_of(report: ServiceReport) -> list[GeneratedDocument]:
    return list(
        GeneratedDocument.objects.filter(
            kind=KIND, subject=f"reports.service_report:{report.pk}", pdf_of=None
        )
        .select_related("produced_by", "pdf_copy")
        .order_by("-produced_at", "-pk")
    )
