"""Writes of doing an inspection: start it, fill its items, open a ticket from an abnormal item,
write the findings, sign it.

The order of things: the vendor's engineer starts the inspection (on site or remote), which copies
the checklist into items; fills them; signs for the vendor, which locks what was found; the
hospital's IT staff sign, and the inspection is done and frozen. Every write below refuses a done
inspection with :class:`InspectionFrozen`; writes of the content refuse one the vendor has signed
with :class:`InspectionLocked`. Each write locks the inspection's row first, so a signature and an
item saved at the same moment are taken one after the other.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts import permissions
from weibao.accounts.models import User
from weibao.audit.context import AuditContext
from weibao.audit.services import audit_record
from weibao.contracts.models import MaintainedSystem, Severity
from weibao.probes.selectors import latest_readings
from weibao.records.selectors import overdue_restore_tests
from weibao.servicedesk import reporting
from weibao.servicedesk import services as ticket_services
from weibao.servicedesk.attachments import upload_checked
from weibao.servicedesk.choices import TicketChannel
from weibao.servicedesk.models import Ticket

from . import checklist
from .choices import START_MODES, InspectionMode, InspectionState, ItemKind, ItemResult, ItemSource, SignSide
from .models import Inspection, InspectionItem, InspectionSignature

#: A drawn signature is a small PNG; anything larger is not one.
MAX_SIGNATURE_BYTES = 300 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class InspectionFrozen(ValidationError):
    """The inspection is done (signed by both sides): nothing of it changes any more."""

    def __init__(self) -> None:
        super().__init__(_("该巡检已由双方签字完成，记录已冻结，不能再修改。"), code="frozen")


class InspectionLocked(ValidationError):
    """The vendor has signed: what was found is locked, only the hospital's signature remains."""

    def __init__(self) -> None:
        super().__init__(_("厂商已签字，巡检内容已锁定；只能由医院信息科签字确认。"), code="locked")


def _lock(inspection: Inspection, *, content: bool = False) -> Inspection:
    """The inspection's row, locked; refused when done (and when ``content`` is to change and the
    vendor has signed)."""
    row: Inspection = (
        Inspection.objects.select_for_update(of=("self",)).select_related("contract").get(pk=inspection.pk)
    )
    if row.state == InspectionState.DONE:
        raise InspectionFrozen()
    if content and row.signatures.filter(side=SignSide.VENDOR).exists():
        raise InspectionLocked()
    return row


def _check_open(inspection: Inspection, *, content: bool = False) -> None:
    """Refuse a done (or, for ``content``, vendor-signed) inspection before looking at the input,
    so the answer says why nothing can change rather than what was typed wrong."""
    if Inspection.objects.filter(pk=inspection.pk, state=InspectionState.DONE).exists():
        raise InspectionFrozen()
    if (
        content
        and InspectionSignature.objects.filter(inspection_id=inspection.pk, side=SignSide.VENDOR).exists()
    ):
        raise InspectionLocked()


# --- the checklist of an inspection -------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    rank: tuple[int, int, int]
    fields: dict[str, Any]


def _spec_fields(spec: checklist.ItemSpec) -> dict[str, Any]:
    return {
        "area": spec.area,
        "area_label": spec.area_label,
        "label": spec.label,
        "kind": spec.kind,
        "unit": spec.unit,
        "warn_above": spec.warn_above,
        "crit_above": spec.crit_above,
        "warn_below": spec.warn_below,
        "crit_below": spec.crit_below,
        "probe": spec.probe,
    }


def items_for(inspection: Inspection) -> list[InspectionItem]:
    """The items (unsaved) of ``inspection``'s checklist: the checklist of each kind of the
    contract's maintained systems once (the systems of one kind share it, as they share their
    servers in the seeds; the machine room once for all), each system's modules, and the lines the
    contract's obligation lists. Ordered by area, then as the checklists list them."""
    contract = inspection.contract
    systems = list(
        MaintainedSystem.objects.filter(contract=contract).prefetch_related("modules").order_by("pk")
    )
    groups: dict[str, list[MaintainedSystem]] = {}
    for system in systems:
        groups.setdefault(
            checklist.CHECKLIST_OF_SYSTEM_KIND.get(system.kind, checklist.DEFAULT_CHECKLIST), []
        ).append(system)
    if not groups:
        groups[checklist.DEFAULT_CHECKLIST] = []
    rows: list[_Row] = []
    shared: set[str] = set()
    for g, (code, members) in enumerate(groups.items()):
        spec_list = checklist.checklists()[code]
        first = members[0] if members else None
        if len(members) > 1:
            subject = _("%(name)s（%(n)s 个系统）") % {"name": spec_list.name, "n": len(members)}
        else:
            subject = first.name if first else spec_list.name
        for i, spec in enumerate(spec_list.items):
            rank = (checklist.AREA_RANK[spec.area], g, i)
            if spec.area in checklist.SHARED_AREAS:
                if spec.code in shared:
                    continue
                shared.add(spec.code)
                rows.append(_Row(rank, {**_spec_fields(spec), "code": spec.code, "subject": ""}))
                continue
            fields = {
                **_spec_fields(spec),
                "code": f"{code}/{spec.code}",
                "subject": subject,
                "system": first,
            }
            rows.append(_Row(rank, fields))
    modules_rank = checklist.AREA_RANK["modules"]
    n = 0
    for system in systems:
        for module in system.modules.all():
            n += 1
            rows.append(
                _Row(
                    (modules_rank, 0, n),
                    {
                        "area": "modules",
                        "area_label": checklist.AREA_LABELS["modules"],
                        "code": f"module/{module.pk}",
                        "label": module.name,
                        "kind": ItemKind.PASS_FAIL,
                        "subject": system.name,
                        "system": system,
                    },
                )
            )
    # A backup policy whose restore test is overdue (records) is a line of the database area:
    # the inspection asks for the restore test to be done (or says why not).
    database_rank = checklist.AREA_RANK["database"]
    for system in systems:
        for status in overdue_restore_tests(system):
            policy = status.policy
            rows.append(
                _Row(
                    (database_rank, len(groups), policy.pk),
                    {
                        "area": "database",
                        "area_label": checklist.AREA_LABELS["database"],
                        "code": f"restore-test/{policy.pk}",
                        "label": (
                            _("恢复测试逾期：%(name)s（应于 %(due)s 前完成），本次巡检完成恢复测试")
                            % {"name": policy.name, "due": f"{status.restore_due:%Y-%m-%d}"}
                        )[:200],
                        "kind": ItemKind.PASS_FAIL,
                        "subject": system.name,
                        "system": system,
                    },
                )
            )
    obligation: dict[str, Any] = next(
        (
            o
            for o in (contract.obligations or {}).get("inspections") or []
            if str(o.get("code")) == inspection.obligation
        ),
        {},
    )
    for i, line in enumerate(obligation.get("checklist") or [], start=1):
        rows.append(
            _Row(
                (checklist.AREA_RANK["obligation"], 0, i),
                {
                    "area": "obligation",
                    "area_label": checklist.AREA_LABELS["obligation"],
                    "code": f"obligation/{i}",
                    "label": str(line)[:200],
                    "kind": ItemKind.PASS_FAIL,
                    "subject": "",
                },
            )
        )
    rows.sort(key=lambda r: r.rank)
    return [
        InspectionItem(inspection=inspection, position=p, **row.fields) for p, row in enumerate(rows, start=1)
    ]


# --- the services ---------------------------------------------------------------------------------------


def inspection_start(
    *, actor: User, inspection: Inspection, mode: str, context: AuditContext | None = None
) -> Inspection:
    """Start ``inspection`` on site or remote: its checklist becomes its items. Starting one
    already started changes nothing (a second tap on a slow phone)."""
    permissions.require_do_inspection(actor, inspection.contract)
    if mode not in START_MODES:
        raise ValidationError({"mode": _("请选择现场或远程。")})
    with transaction.atomic():
        row = _lock(inspection)
        if row.state == InspectionState.STARTED:
            return row
        InspectionItem.objects.bulk_create(items_for(row))
        row.state, row.mode = InspectionState.STARTED, mode
        row.started_at, row.started_by = timezone.now(), actor
        row.save(update_fields=["state", "mode", "started_at", "started_by"])
        audit_record(
            action="inspection.start",
            actor=actor,
            context=context,
            obj=row,
            organization=row.contract.hospital,
            detail={"mode": mode, "items": row.items.count()},
        )
    autofill_from_probes(row)
    return row


def autofill_from_probes(inspection: Inspection) -> int:
    """自动巡检: the newest results of the probes of the contract's systems fill the items they can
    measure (items a person filled are left alone). Runs when an inspection starts, and again
    when the engineer asks (``inspection_refresh_from_probes``). Returns how many were filled."""
    systems = MaintainedSystem.objects.filter(contract_id=inspection.contract_id).values_list("pk", flat=True)
    return inspection_autofill(inspection, latest_readings(systems))


def inspection_refresh_from_probes(
    *, actor: User, inspection: Inspection, context: AuditContext | None = None
) -> int:
    """The engineer's 用探针结果更新: fill again from the probes' newest results."""
    permissions.require_do_inspection(actor, inspection.contract)
    _check_open(inspection, content=True)
    return autofill_from_probes(inspection)


def default_mode(inspection: Inspection) -> str:
    """The mode offered when starting: the obligation's, on site when it allows either."""
    return InspectionMode.REMOTE if inspection.mode == InspectionMode.REMOTE else InspectionMode.ONSITE


def _result_of(item: InspectionItem, result: str, value: Decimal | None) -> str:
    """A number outside its thresholds is 异常 whatever was chosen; inside them, 正常."""
    if item.kind == ItemKind.NUMBER and value is not None:
        read = checklist.level(value, **item.thresholds)  # type: ignore[arg-type]
        return ItemResult.ABNORMAL if read in (checklist.WARN, checklist.CRIT) else ItemResult.OK
    return result


def inspection_item_save(
    *,
    actor: User,
    item: InspectionItem,
    result: str,
    value: Decimal | None = None,
    note: str = "",
    photo: UploadedFile[Any] | None = None,
    context: AuditContext | None = None,
) -> InspectionItem:
    """Record one item as the person filling it sees it: result (正常/异常/不适用 or blank), the
    number for a number item (which decides 正常 or 异常 by the thresholds), a note, a photo."""
    permissions.require_do_inspection(actor, item.inspection.contract)
    _check_open(item.inspection, content=True)
    if result and result not in ItemResult.values:
        raise ValidationError({"result": _("结果只能是正常、异常或不适用。")})
    if value is not None and item.kind != ItemKind.NUMBER:
        raise ValidationError({"value": _("该项不填数值。")})
    if item.kind == ItemKind.NUMBER and value is None and result in (ItemResult.OK, ItemResult.ABNORMAL):
        raise ValidationError({"value": _("请填写数值（单位：%(u)s），或选择不适用。") % {"u": item.unit}})
    if photo is not None:
        name, content_type = upload_checked(photo, field="photo")
        if not content_type.startswith("image/"):
            raise ValidationError({"photo": _("照片须为图片文件（PNG、JPG 等）。")})
    if item.kind in (ItemKind.TEXT, ItemKind.PHOTO) and not result and (note.strip() or photo is not None):
        result = ItemResult.OK
    with transaction.atomic():
        _lock(item.inspection, content=True)
        row: InspectionItem = InspectionItem.objects.select_for_update().get(pk=item.pk)
        row.result, row.value, row.note = _result_of(row, result, value), value, note.strip()
        filled = bool(row.result or row.value is not None or row.note or photo is not None or row.photo)
        row.source = ItemSource.PERSON if filled else ""
        row.filled_at, row.filled_by = (timezone.now(), actor) if filled else (None, None)
        if photo is not None:
            row.photo.save(name, photo, save=False)
        row.save()
        audit_record(
            action="inspection.item",
            actor=actor,
            context=context,
            obj=row.inspection,
            organization=row.inspection.hospital,
            detail={"item": row.code, "result": row.result, "value": str(row.value) if row.value else None},
        )
    return row


def inspection_area_all_ok(
    *, actor: User, inspection: Inspection, area: str, context: AuditContext | None = None
) -> int:
    """Mark every blank pass/fail item of ``area`` 正常 (the rest of an area the engineer found in
    order); numbers, text and photos still need their own entry. Returns how many were marked."""
    permissions.require_do_inspection(actor, inspection.contract)
    with transaction.atomic():
        row = _lock(inspection, content=True)
        marked = row.items.filter(area=area, kind=ItemKind.PASS_FAIL, result="").update(
            result=ItemResult.OK, source=ItemSource.PERSON, filled_at=timezone.now(), filled_by=actor
        )
        audit_record(
            action="inspection.item",
            actor=actor,
            context=context,
            obj=row,
            organization=row.hospital,
            detail={"area": area, "marked_ok": marked},
        )
    return marked


def inspection_item_ticket(
    *, actor: User, item: InspectionItem, context: AuditContext | None = None
) -> Ticket:
    """Open a ticket for an abnormal item (once: a second call returns the same ticket), under the
    inspection's contract on its fault term, for the item's system, and link it on the item."""
    inspection = item.inspection
    permissions.require_do_inspection(actor, inspection.contract)
    with transaction.atomic():
        row = _lock(inspection)
        it = InspectionItem.objects.select_for_update(of=("self",)).select_related("system").get(pk=item.pk)
        if it.ticket_id is not None:
            return Ticket.objects.get(pk=it.ticket_id)
        if it.result != ItemResult.ABNORMAL:
            raise ValidationError(_("只有结果为异常的检查项可以转为工单。"))
        contract = row.contract
        term = reporting.report_term(contract)
        if term is None:
            raise ValidationError(_("该合同没有服务项目，无法开单。"))
        severity = None
        if ticket_services.severity_required(contract, term):
            severity = Severity.objects.filter(contract=contract).order_by("-order").first()
        reading = f"{it.value.normalize():f} {it.unit}" if it.value is not None else ""
        ticket = ticket_services.ticket_create(
            actor=actor,
            contract=contract,
            term=term,
            title=_("巡检异常：%(label)s") % {"label": it.label},
            description="\n".join(
                line
                for line in (
                    _("%(name)s 第 %(n)s 次（截止 %(due)s）")
                    % {"name": row.name, "n": row.sequence, "due": row.due.isoformat()},
                    f"{it.area_label} · {it.subject}" if it.subject else it.area_label,
                    _("检查项：%(label)s %(reading)s") % {"label": it.label, "reading": reading},
                    it.note,
                )
                if line
            ),
            severity=severity,
            system=it.system,
            channel=TicketChannel.REMOTE if row.mode == InspectionMode.REMOTE else TicketChannel.ONSITE,
            context=context,
        )
        it.ticket = ticket
        it.save(update_fields=["ticket"])
        audit_record(
            action="inspection.ticket",
            actor=actor,
            context=context,
            obj=row,
            organization=row.hospital,
            detail={"item": it.code, "ticket": ticket.number},
        )
    return ticket


def inspection_findings_save(
    *,
    actor: User,
    inspection: Inspection,
    findings: str,
    recommendations: str,
    context: AuditContext | None = None,
) -> Inspection:
    """The findings (巡检发现) and recommendations (建议) the vendor's engineer writes."""
    permissions.require_do_inspection(actor, inspection.contract)
    with transaction.atomic():
        row = _lock(inspection, content=True)
        row.findings, row.recommendations = findings.strip(), recommendations.strip()
        row.save(update_fields=["findings", "recommendations"])
        audit_record(
            action="inspection.findings", actor=actor, context=context, obj=row, organization=row.hospital
        )
    return row


def signature_png(data_url: str) -> bytes | None:
    """The PNG bytes of a drawn signature sent as ``data:image/png;base64,…``; None for none."""
    if not data_url.strip():
        return None
    head, _sep, body = data_url.strip().partition(",")
    if head != "data:image/png;base64" or not body:
        raise ValidationError({"signature": _("手写签名须为 PNG 图片。")})
    try:
        png = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({"signature": _("手写签名数据无法读取，请重新签字。")}) from None
    if not png.startswith(PNG_MAGIC):
        raise ValidationError({"signature": _("手写签名须为 PNG 图片。")})
    if len(png) > MAX_SIGNATURE_BYTES:
        raise ValidationError({"signature": _("手写签名图片过大。")})
    return png


def inspection_sign(
    *,
    actor: User,
    inspection: Inspection,
    side: str,
    name: str,
    signature: str = "",
    context: AuditContext | None = None,
) -> InspectionSignature:
    """Sign ``inspection`` for ``side`` with the signer's ``name`` and, optionally, a drawn
    ``signature`` (a PNG data URL). The vendor signs once every item has a result, which locks
    the content; the hospital signs after the vendor, which makes the inspection done and frozen."""
    if side not in SignSide.values:
        raise ValidationError({"side": _("未知的签字方。")})
    if not permissions.can_sign_inspection(actor, inspection.contract, side):
        raise PermissionDenied(
            _("只有该合同厂商的工程师或项目经理可以代表厂商签字。")
            if side == SignSide.VENDOR
            else _("只有医院信息科（医院管理员）可以代表医院签字。")
        )
    _check_open(inspection)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("请填写签字人姓名。")})
    if len(name) > 64:
        raise ValidationError({"name": _("姓名不能超过 64 个字。")})
    png = signature_png(signature)
    with transaction.atomic():
        row = _lock(inspection)
        if row.state != InspectionState.STARTED:
            raise ValidationError(_("巡检尚未开始，不能签字。"))
        signed = set(row.signatures.values_list("side", flat=True))
        if side in signed:
            raise ValidationError(_("该方已签字。"))
        if side == SignSide.VENDOR:
            blank = row.items.filter(result="").count()
            if blank:
                raise ValidationError(_("还有 %(n)s 项未填写结果，请填完后再签字。") % {"n": blank})
        elif SignSide.VENDOR not in signed:
            raise ValidationError(_("请先由厂商工程师签字，再由医院签字确认。"))
        now = timezone.now()
        sig = InspectionSignature.objects.create(
            inspection=row,
            side=side,
            name=name,
            signed_on=timezone.localdate(now),
            signed_at=now,
            signed_by=actor,
            image=png,
        )
        audit_record(
            action="inspection.sign",
            actor=actor,
            context=context,
            obj=row,
            organization=row.hospital,
            detail={"side": side, "name": name, "drawn": png is not None},
        )
        if side == SignSide.HOSPITAL:
            row.state, row.done_at, row.done_by = InspectionState.DONE, now, actor
            row.save(update_fields=["state", "done_at", "done_by"])
            audit_record(
                action="inspection.done", actor=actor, context=context, obj=row, organization=row.hospital
            )
    return sig


# --- 自动巡检: items filled from probe results -----------------------------------------------------------

#: Probe states (Nagios meanings) → an item's result; UNKNOWN fills nothing (the probe could not
#: tell, so the person inspecting does).
_RESULT_OF_STATE = {"OK": ItemResult.OK, "WARN": ItemResult.ABNORMAL, "CRIT": ItemResult.ABNORMAL}


def _latest(
    item: InspectionItem, results: list[dict[str, Any]]
) -> tuple[dict[str, Any], float | None] | None:
    """The newest result that fills ``item`` (same system, the probe kind and metric its key
    names), with the value in the item's unit."""
    best: tuple[dict[str, Any], float | None] | None = None
    for result in results:
        if result.get("system_id") != item.system_id or result.get("state") not in _RESULT_OF_STATE:
            continue
        fits, value = checklist.probe_reading(item.probe, result)
        if fits and (best is None or result["at"] >= best[0]["at"]):
            best = (result, value)
    return best


def inspection_autofill(inspection: Inspection, results: Iterable[dict[str, Any]]) -> int:
    """Fill ``inspection``'s items from probe results (自动巡检), given as plain dicts::

        {"probe_kind": "tls", "metric": "days_left", "state": "OK|WARN|CRIT|UNKNOWN",
         "value": 42.0, "message": "...", "at": datetime, "system_id": 7}

    An item with a probe key (``checklist.PROBES``) takes the newest result of its system that the
    key names: 正常 for OK, 异常 for WARN and CRIT, the value in the item's unit for a number item,
    and the note "自动巡检：message". Items a person already filled are never touched; an item a
    probe filled before takes the newer result. Refused on a done inspection (frozen) or one the
    vendor has signed (locked). Returns how many items were filled."""
    rows = [r for r in results if isinstance(r.get("at"), datetime)]
    filled = 0
    with transaction.atomic():
        locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
        if locked.state == InspectionState.DONE:
            raise InspectionFrozen()
        if locked.signatures.filter(side="vendor").exists():
            raise InspectionLocked()
        items = locked.items.exclude(probe="").exclude(source=ItemSource.PERSON).select_for_update()
        for item in items:
            found = _latest(item, rows)
            if found is None:
                continue
            result, value = found
            item.result = _RESULT_OF_STATE[result["state"]]
            if item.kind == ItemKind.NUMBER:
                item.value = None if value is None else Decimal(str(round(value, 3)))
            item.note = _("自动巡检：%(m)s") % {"m": str(result.get("message") or "")[:500]}
            item.source, item.filled_at, item.filled_by = ItemSource.PROBE, result["at"], None
            item.save(update_fields=["result", "value", "note", "source", "filled_at", "filled_by"])
            filled += 1
        if filled:
            audit_record(
                action="inspection.autofill",
                actor=None,
                obj=locked,
                detail={"filled": filled},
            )
    return filled
