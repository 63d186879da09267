"""Writes of the other service records: meeting minutes (with action items that can become
change requests through the service desk) and tuning records. Atomic and audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts import permissions
from weibao.audit.context import AuditContext
from weibao.audit.services import audit_record, save_audited
from weibao.contracts.models import Contract, MaintainedSystem
from weibao.servicedesk.records import change_request_create

from .models import ActionItem, MeetingMinutes, TuningRecord

if TYPE_CHECKING:
    from weibao.accounts.models import User


@dataclass(frozen=True)
class Action:
    description: str
    owner: str
    due: date | None = None


def _require(actor: User, contract: Contract) -> None:
    if not permissions.can_keep_service_records(actor, contract):
        raise PermissionDenied(_("只有该合同的厂商人员或医院管理员可以登记维保记录。"))


def _blank(errors: dict[str, str], **fields: tuple[str, str]) -> None:
    for name, (value, message) in fields.items():
        if not (value or "").strip():
            errors[name] = message


def _clean_minutes(held_on: date, title: str, attendees: str, topics: str, actions: list[Action]) -> None:
    errors: dict[str, str] = {}
    _blank(
        errors,
        title=(title, _("请填写会议主题。")),
        attendees=(attendees, _("请填写参会人员。")),
        topics=(topics, _("请填写议题。")),
    )
    if held_on > timezone.localdate():
        errors["held_on"] = _("会议日期不能晚于今天。")
    for i, action in enumerate(actions):
        if not action.description.strip() or not action.owner.strip():
            errors["actions"] = _("第 %(n)s 项待办须填写内容和负责人。") % {"n": i + 1}
    if errors:
        raise ValidationError(errors)


def minutes_record(
    *,
    actor: User,
    contract: Contract,
    held_on: date,
    title: str,
    attendees: str,
    topics: str,
    decisions: str = "",
    actions: list[Action] | None = None,
    context: AuditContext | None = None,
) -> MeetingMinutes:
    """Record the minutes of a requirements meeting and its action items."""
    _require(actor, contract)
    _clean_minutes(held_on, title, attendees, topics, actions or [])
    with transaction.atomic():
        minutes = MeetingMinutes.objects.create(
            hospital_id=contract.hospital_id,
            contract=contract,
            held_on=held_on,
            title=title.strip(),
            attendees=attendees.strip(),
            topics=topics.strip(),
            decisions=decisions.strip(),
            recorded_by=actor,
        )
        ActionItem.objects.bulk_create(
            ActionItem(
                hospital_id=contract.hospital_id,
                contract=contract,
                minutes=minutes,
                description=a.description.strip(),
                owner=a.owner.strip(),
                due=a.due,
                recorded_by=actor,
            )
            for a in actions or []
        )
        audit_record(action="records.minutes", actor=actor, context=context, obj=minutes)
    return minutes


def action_to_change_request(
    *, actor: User, item: ActionItem, in_scope: bool = True, context: AuditContext | None = None
) -> ActionItem:
    """Turn a meeting's action item into a change request (需求变更) of the service desk, once."""
    if item.change_request_id is not None:
        raise ValidationError({"change_request": _("该待办已转为需求变更。")})
    minutes = item.minutes
    with transaction.atomic():
        cr = change_request_create(
            actor=actor,
            contract=item.contract,
            title=item.description.strip().splitlines()[0][:200],
            requirement=_("来自需求沟通会议“%(title)s”（%(day)s）：%(text)s；负责人：%(owner)s")
            % {
                "title": minutes.title,
                "day": minutes.held_on.isoformat(),
                "text": item.description,
                "owner": item.owner,
            },
            in_scope=in_scope,
            context=context,
        )
        item.change_request = cr
        save_audited(
            item,
            action="records.action_to_change_request",
            update_fields=["change_request"],
            actor=actor,
            context=context,
        )
    return item


def _clean_tuning(
    contract: Contract,
    done_on: date,
    what: str,
    why: str,
    measure: str,
    before: str,
    after: str,
    system: MaintainedSystem | None,
) -> None:
    errors: dict[str, str] = {}
    _blank(
        errors,
        what=(what, _("请填写调优内容。")),
        why=(why, _("请填写调优原因。")),
        measure=(measure, _("请填写衡量指标，如：门诊挂号平均响应时间。")),
        before=(before, _("请填写调优前的测量值。")),
        after=(after, _("请填写调优后的测量值。")),
    )
    if done_on > timezone.localdate():
        errors["done_on"] = _("调优日期不能晚于今天。")
    if system is not None and system.hospital_id != contract.hospital_id:
        errors["system"] = _("系统不属于该合同的医院。")
    if errors:
        raise ValidationError(errors)


def tuning_record(
    *,
    actor: User,
    contract: Contract,
    done_on: date,
    what: str,
    why: str,
    measure: str,
    before: str,
    after: str,
    system: MaintainedSystem | None = None,
    context: AuditContext | None = None,
) -> TuningRecord:
    """Record a tuning of a system with the measurement before and after."""
    _require(actor, contract)
    _clean_tuning(contract, done_on, what, why, measure, before, after, system)
    with transaction.atomic():
        row = TuningRecord.objects.create(
            hospital_id=contract.hospital_id,
            contract=contract,
            system=system,
            done_on=done_on,
            what=what.strip(),
            why=why.strip(),
            measure=measure.strip(),
            before=before.strip(),
            after=after.strip(),
            recorded_by=actor,
        )
        audit_record(action="records.tuning", actor=actor, context=context, obj=row)
    return row


def minutes_update(
    *,
    actor: User,
    minutes: MeetingMinutes,
    held_on: date,
    title: str,
    attendees: str,
    topics: str,
    decisions: str = "",
    context: AuditContext | None = None,
) -> MeetingMinutes:
    """Correct the minutes (their action items stay as they are: one may already be a change
    request)."""
    _require(actor, minutes.contract)
    _clean_minutes(held_on, title, attendees, topics, [])
    minutes.held_on, minutes.title = held_on, title.strip()
    minutes.attendees, minutes.topics, minutes.decisions = (
        attendees.strip(),
        topics.strip(),
        decisions.strip(),
    )
    save_audited(minutes, action="records.minutes_edit", actor=actor, context=context)
    return minutes


def minutes_add_actions(
    *, actor: User, minutes: MeetingMinutes, actions: list[Action], context: AuditContext | None = None
) -> list[ActionItem]:
    """Add action items to recorded minutes."""
    _require(actor, minutes.contract)
    _clean_minutes(minutes.held_on, minutes.title, minutes.attendees, minutes.topics, actions)
    with transaction.atomic():
        rows = ActionItem.objects.bulk_create(
            ActionItem(
                hospital_id=minutes.hospital_id,
                contract_id=minutes.contract_id,
                minutes=minutes,
                description=a.description.strip(),
                owner=a.owner.strip(),
                due=a.due,
                recorded_by=actor,
            )
            for a in actions
        )
        if rows:
            audit_record(
                action="records.minutes_edit",
                actor=actor,
                context=context,
                obj=minutes,
                detail={"actions_added": len(rows)},
            )
    return rows


def tuning_update(
    *,
    actor: User,
    record: TuningRecord,
    done_on: date,
    what: str,
    why: str,
    measure: str,
    before: str,
    after: str,
    system: MaintainedSystem | None = None,
    context: AuditContext | None = None,
) -> TuningRecord:
    """Correct a tuning record."""
    contract = record.contract
    _require(actor, contract)
    _clean_tuning(contract, done_on, what, why, measure, before, after, system)
    record.done_on, record.system = done_on, system
    record.what, record.why, record.measure = what.strip(), why.strip(), measure.strip()
    record.before, record.after = before.strip(), after.strip()
    save_audited(record, action="records.tuning_edit", actor=actor, context=context)
    return record
