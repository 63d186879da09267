"""Where the records-based deliverables take their rows: the training sessions (用户培训记录), the
tuning records (系统调优记录), the meeting minutes (需求沟通会议纪要) and the signed 服务报告 of the
contract in the period, read through the records apps' selectors (registered in ``ReportsConfig.ready()``)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from weibao.contracts.models import Contract
from weibao.records.selectors import meeting_minutes, tuning_records
from weibao.training.selectors import training_records

from .builders import register_record_source
from .periods import BEIJING, Period
from .selectors import signed_service_reports


def _person(user: Any) -> str:
    return (user.display_name or user.username) if user is not None else ""


def training_rows(contract: Contract, period: Period) -> list[dict[str, Any]]:
    rows = []
    for session in training_records(contract, period.start, period.end):
        trainees = list(session.trainees.all())
        departments = sorted({t.department for t in trainees if t.department})
        rows.append(
            {
                "date": f"{timezone.localtime(session.starts_at, BEIJING):%Y-%m-%d %H:%M}",
                "content": f"{session.get_kind_display()}：{session.title}",
                "trainees": "、".join(departments) or "、".join(t.name for t in trainees[:10]),
                "count": len(trainees),
                "trainer": session.trainer,
            }
        )
    return rows


def tuning_rows(contract: Contract, period: Period) -> list[dict[str, Any]]:
    return [
        {
            "date": f"{row.done_on:%Y-%m-%d}",
            "system": row.system.name if row.system else "",
            "content": f"{row.what}（原因：{row.why}）",
            "result": f"{row.measure}：{row.before} → {row.after}",
            "engineer": _person(getattr(row, "recorded_by", None)),
        }
        for row in tuning_records(contract, period.start, period.end).select_related("system")
    ]


def meeting_rows(contract: Contract, period: Period) -> list[dict[str, Any]]:
    rows = []
    for minutes in meeting_minutes(contract, period.start, period.end):
        actions = "；".join(f"{a.description}（{a.owner}）" for a in minutes.actions.all())
        conclusions = "；".join(part for part in (minutes.decisions, actions) if part)
        rows.append(
            {
                "date": f"{minutes.held_on:%Y-%m-%d}",
                "topic": f"{minutes.title}：{minutes.topics}",
                "attendees": minutes.attendees,
                "conclusions": conclusions,
            }
        )
    return rows


def service_report_rows(contract: Contract, period: Period) -> list[dict[str, Any]]:
    """The 服务报告 the users signed in the period (by the day they signed)."""
    return [
        {
            "number": r.number,
            "date": f"{timezone.localtime(r.arrived_at or r.resolved_at or r.created_at, BEIJING):%Y-%m-%d}",
            "department": r.department_name,
            "systems": r.systems,
            "fault": r.fault,
            "engineer": r.engineer_name,
            "satisfaction": str(r.get_satisfaction_display()),
            "signer": f"{r.signer_name} {r.signed_on:%Y-%m-%d}" if r.signed_on else r.signer_name,
        }
        for r in signed_service_reports(contract, period.start, period.end)
    ]


def register_sources() -> None:
    register_record_source("training", training_rows)
    register_record_source("tuning", tuning_rows)
    register_record_source("meetings", meeting_rows)
    register_record_source("service_reports", service_report_rows)
