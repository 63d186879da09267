"""Writes of switch-over plans (切换方案, seed 003: an old and a new system run side by side):
the plan, its checklist, the data-sync checks of the parallel run, the sign-off of both sides
(after a signature nothing of the plan changes), and its DOCX (document kind
``records.switchover``). Atomic and audited."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts import permissions
from weibao.audit.context import AuditContext
from weibao.audit.services import audit_record
from weibao.contracts.models import Contract, MaintainedSystem
from weibao.documents.models import GeneratedDocument
from weibao.documents.render import docx_bytes, new_document
from weibao.documents.services import document_print

from .models import SwitchoverItem, SwitchoverPlan, SyncCheck

if TYPE_CHECKING:
    from weibao.accounts.models import User

KIND = "records.switchover"
SIDES = ("vendor", "hospital")
#: The longest parallel run a plan may set (a year).
MAX_PARALLEL_DAYS = 366


def _require(actor: User, contract: Contract) -> None:
    if not permissions.can_keep_switchover(actor, contract):
        raise PermissionDenied(_("只有该合同的厂商人员或医院管理员可以编写切换方案。"))


def _open(plan: SwitchoverPlan) -> None:
    if plan.frozen:
        raise ValidationError(_("切换方案已签字，不能再修改。"))


def _clean_plan(
    contract: Contract,
    system: MaintainedSystem,
    title: str,
    old_system: str,
    new_system: str,
    parallel_start: date,
    parallel_end: date,
) -> None:
    errors: dict[str, str] = {}
    for field, value, message in (
        ("title", title, _("请填写方案名称。")),
        ("old_system", old_system, _("请填写旧系统名称。")),
        ("new_system", new_system, _("请填写新系统名称。")),
    ):
        if not (value or "").strip():
            errors[field] = message
    if system.contract_id != contract.pk:
        errors["system"] = _("这个系统不在本合同内。")
    if parallel_end < parallel_start:
        errors["parallel_end"] = _("并行运行结束日期不能早于开始日期。")
    elif (parallel_end - parallel_start).days > MAX_PARALLEL_DAYS:
        errors["parallel_end"] = _("并行运行期不能超过一年。")
    if errors:
        raise ValidationError(errors)


def _titles(items: Sequence[str]) -> list[str]:
    titles = [t.strip() for t in items if t.strip()]
    if any(len(t) > 200 for t in titles):
        raise ValidationError({"items": _("检查项每项不超过 200 字。")})
    return titles


def plan_create(
    *,
    actor: User,
    contract: Contract,
    system: MaintainedSystem,
    title: str,
    old_system: str,
    new_system: str,
    parallel_start: date,
    parallel_end: date,
    description: str = "",
    items: Sequence[str] = (),
    context: AuditContext | None = None,
) -> SwitchoverPlan:
    """A switch-over plan of ``system`` with its first checklist items (their titles)."""
    _require(actor, contract)
    _clean_plan(contract, system, title, old_system, new_system, parallel_start, parallel_end)
    titles = _titles(items)
    with transaction.atomic():
        plan = SwitchoverPlan.objects.create(
            hospital_id=contract.hospital_id,
            contract=contract,
            system=system,
            title=title.strip(),
            old_system=old_system.strip(),
            new_system=new_system.strip(),
            parallel_start=parallel_start,
            parallel_end=parallel_end,
            description=(description or "").strip(),
            recorded_by=actor,
        )
        SwitchoverItem.objects.bulk_create(
            SwitchoverItem(
                hospital_id=plan.hospital_id, contract=contract, plan=plan, title=t, recorded_by=actor
            )
            for t in titles
        )
        audit_record(action="records.switchover", actor=actor, context=context, obj=plan)
    return plan


PLAN_FIELDS = ("title", "old_system", "new_system", "parallel_start", "parallel_end", "description", "system")


def plan_update(
    *, actor: User, plan: SwitchoverPlan, context: AuditContext | None = None, **fields: Any
) -> SwitchoverPlan:
    """Change the plan's fields (not once it is signed)."""
    _require(actor, plan.contract)
    _open(plan)
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise ValidationError(_("未知字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    values = {name: getattr(plan, name) for name in PLAN_FIELDS} | fields
    _clean_plan(
        plan.contract,
        values["system"],
        values["title"],
        values["old_system"],
        values["new_system"],
        values["parallel_start"],
        values["parallel_end"],
    )
    for name, value in fields.items():
        setattr(plan, name, value.strip() if isinstance(value, str) else value)
    with transaction.atomic():
        plan.save()
        audit_record(
            action="records.switchover_edit",
            actor=actor,
            context=context,
            obj=plan,
            detail={"fields": sorted(fields)},
        )
    return plan


def item_add(
    *, actor: User, plan: SwitchoverPlan, title: str, context: AuditContext | None = None
) -> SwitchoverItem:
    """Add an item to the plan's checklist."""
    _require(actor, plan.contract)
    _open(plan)
    titles = _titles([title])
    if not titles:
        raise ValidationError({"title": _("请填写检查项。")})
    with transaction.atomic():
        item = SwitchoverItem.objects.create(
            hospital_id=plan.hospital_id,
            contract_id=plan.contract_id,
            plan=plan,
            title=titles[0],
            recorded_by=actor,
        )
        audit_record(action="records.switchover_item", actor=actor, context=context, obj=item)
    return item


def item_update(
    *,
    actor: User,
    item: SwitchoverItem,
    done: bool,
    done_by: str = "",
    note: str = "",
    context: AuditContext | None = None,
) -> SwitchoverItem:
    """Mark a checklist item done (by whom: the name given, else the actor's) or not, with a note."""
    plan = item.plan
    _require(actor, plan.contract)
    _open(plan)
    done_by = (done_by or "").strip()[:64]
    if done:
        item.done_by = done_by or actor.get_full_name() or actor.username
        item.done_at = item.done_at if item.done else timezone.now()
    else:
        item.done_by, item.done_at = "", None
    item.done, item.note = done, (note or "").strip()[:2000]
    with transaction.atomic():
        item.save(update_fields=["done", "done_by", "done_at", "note"])
        audit_record(
            action="records.switchover_item_edit",
            actor=actor,
            context=context,
            obj=item,
            detail={"done": done},
        )
    return item


def check_record(
    *,
    actor: User,
    plan: SwitchoverPlan,
    checked_on: date,
    subject: str,
    old_count: int,
    new_count: int,
    matched: bool | None = None,
    note: str = "",
    context: AuditContext | None = None,
) -> SyncCheck:
    """Record a data-sync check of the parallel run. ``matched`` defaults to whether the counts
    agree; equal counts may still be marked as not matching (the contents differ), different
    counts never as matching."""
    _require(actor, plan.contract)
    _open(plan)
    errors: dict[str, str] = {}
    if not (subject or "").strip():
        errors["subject"] = _("请填写核对内容，如：门诊挂号记录。")
    if checked_on > timezone.localdate():
        errors["checked_on"] = _("核对日期不能晚于今天。")
    elif checked_on < plan.parallel_start:
        errors["checked_on"] = _("核对日期不能早于并行运行开始日期。")
    if old_count < 0 or new_count < 0:
        errors["old_count"] = _("数量不能为负数。")
    if matched is None:
        matched = old_count == new_count
    elif matched and old_count != new_count:
        errors["matched"] = _("新旧系统数量不同，不能标为一致。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        check = SyncCheck.objects.create(
            hospital_id=plan.hospital_id,
            contract_id=plan.contract_id,
            plan=plan,
            checked_on=checked_on,
            subject=subject.strip()[:200],
            old_count=old_count,
            new_count=new_count,
            matched=matched,
            note=(note or "").strip()[:2000],
            recorded_by=actor,
        )
        audit_record(
            action="records.switchover_check",
            actor=actor,
            context=context,
            obj=check,
            detail={"matched": matched},
        )
    return check


def missing_for_sign_off(plan: SwitchoverPlan) -> list[str]:
    """Why the plan cannot be signed yet (empty when it can)."""
    missing = []
    if not plan.items.exists():
        missing.append(_("检查清单为空。"))
    undone = plan.items.filter(done=False).count()
    if undone:
        missing.append(_("还有 %(n)d 项检查未完成。") % {"n": undone})
    last = plan.checks.order_by("-checked_on", "-pk").first()
    if last is None:
        missing.append(_("还没有数据同步核对记录。"))
    elif not last.matched:
        missing.append(_("最近一次数据同步核对不一致。"))
    return missing


def plan_sign(
    *, actor: User, plan: SwitchoverPlan, side: str, signer: str = "", context: AuditContext | None = None
) -> SwitchoverPlan:
    """Sign the plan off for ``side`` (``vendor`` or ``hospital``), once per side. It needs every
    checklist item done and a matching latest data-sync check; from then on it is frozen."""
    if side not in SIDES:
        raise ValidationError({"side": _("签字方须为 vendor（厂商）或 hospital（医院）。")})
    if not permissions.can_sign_switchover(actor, plan.contract, side):
        raise PermissionDenied(_("厂商一方由本合同厂商人员签字，医院一方由医院管理员签字。"))
    if getattr(plan, f"{side}_signed_at") is not None:
        raise ValidationError({"side": _("这一方已签字。")})
    missing = missing_for_sign_off(plan)
    if missing:
        raise ValidationError(_("不能签字：%(why)s") % {"why": "".join(missing)})
    name = (signer or "").strip()[:64] or actor.get_full_name() or actor.username
    setattr(plan, f"{side}_signed_by", actor)
    setattr(plan, f"{side}_signer", name)
    setattr(plan, f"{side}_signed_at", timezone.now())
    with transaction.atomic():
        plan.save(update_fields=[f"{side}_signed_by", f"{side}_signer", f"{side}_signed_at"])
        audit_record(
            action="records.switchover_sign",
            actor=actor,
            context=context,
            obj=plan,
            detail={"side": side, "signer": name},
        )
    return plan


# --- the document -----------------------------------------------------------------------------------


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def switchover_context(plan: SwitchoverPlan) -> dict[str, Any]:
    """What the DOCX template is filled with."""
    contract = plan.contract
    return {
        "hospital": contract.hospital.name,
        "vendor": contract.vendor.name,
        "contract": f"{contract.code} {contract.title}",
        "title": plan.title,
        "system": plan.system.name,
        "old_system": plan.old_system,
        "new_system": plan.new_system,
        "parallel": f"{plan.parallel_start.isoformat()} 至 {plan.parallel_end.isoformat()}",
        "description": plan.description or "—",
        "items": [
            {
                "title": i.title,
                "done": _("已完成") if i.done else _("未完成"),
                "by": i.done_by or "—",
                "note": i.note or "",
            }
            for i in plan.items.order_by("pk")
        ],
        "checks": [
            {
                "day": c.checked_on.isoformat(),
                "subject": c.subject,
                "old": str(c.old_count),
                "new": str(c.new_count),
                "matched": _("一致") if c.matched else _("不一致"),
                "note": c.note,
            }
            for c in plan.checks.order_by("checked_on", "pk")
        ],
        "vendor_signer": plan.vendor_signer,
        "vendor_signed_at": _when(plan.vendor_signed_at),
        "hospital_signer": plan.hospital_signer,
        "hospital_signed_at": _when(plan.hospital_signed_at),
    }


def sample_context() -> dict[str, Any]:
    return {
        "hospital": "示例医院",
        "vendor": "示例厂商",
        "contract": "C-1 维保合同",
        "title": "HIS 新旧系统切换",
        "system": "HIS",
        "old_system": "旧 HIS 5.0",
        "new_system": "新 HIS 6.0",
        "parallel": "2026-11-01 至 2026-11-30",
        "description": "双轨运行一个月，每日核对",
        "items": [{"title": "数据迁移", "done": "已完成", "by": "张伟", "note": ""}],
        "checks": [
            {
                "day": "2026-11-02",
                "subject": "门诊挂号",
                "old": "1200",
                "new": "1200",
                "matched": "一致",
                "note": "",
            }
        ],
        "vendor_signer": "张伟",
        "vendor_signed_at": "2026-12-01 10:00",
        "hospital_signer": "李主任",
        "hospital_signed_at": "2026-12-01 11:00",
    }


def _table(doc: Any, rows: list[list[str]]) -> None:
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    for row, texts in zip(table.rows, rows, strict=True):
        for cell, text in zip(row.cells, texts, strict=True):
            cell.text = text


def default_template() -> bytes:
    """Weibao's 切换方案 template, built with python-docx (docxtpl tags in paragraphs and rows)."""

    doc = new_document()
    doc.add_heading("新旧系统切换方案", level=1)
    for line in (
        "方案：{{ title }}",
        "医院：{{ hospital }}    厂商：{{ vendor }}",
        "合同：{{ contract }}",
        "系统：{{ system }}（{{ old_system }} → {{ new_system }}）",
        "并行运行：{{ parallel }}",
        "切换步骤与回退方案：{{ description }}",
    ):
        doc.add_paragraph(line)
    doc.add_heading("检查清单", level=2)
    blank4 = ["", "", ""]
    _table(
        doc,
        [
            ["检查项", "状态", "完成人", "备注"],
            ["{%tr for i in items %}", *blank4],
            ["{{ i.title }}", "{{ i.done }}", "{{ i.by }}", "{{ i.note }}"],
            ["{%tr endfor %}", *blank4],
        ],
    )
    doc.add_heading("数据同步核对", level=2)
    blank6 = ["", "", "", "", ""]
    _table(
        doc,
        [
            ["日期", "核对内容", "旧系统", "新系统", "结果", "说明"],
            ["{%tr for c in checks %}", *blank6],
            [
                "{{ c.day }}",
                "{{ c.subject }}",
                "{{ c.old }}",
                "{{ c.new }}",
                "{{ c.matched }}",
                "{{ c.note }}",
            ],
            ["{%tr endfor %}", *blank6],
        ],
    )
    doc.add_heading("签字确认", level=2)
    doc.add_paragraph("厂商签字：{{ vendor_signer }}    日期：{{ vendor_signed_at }}")
    doc.add_paragraph("医院签字：{{ hospital_signer }}    日期：{{ hospital_signed_at }}")
    return docx_bytes(doc)


def plan_print(
    *, actor: User | None, plan: SwitchoverPlan, context: AuditContext | None = None
) -> GeneratedDocument:
    """Render the plan as DOCX from the hospital's template (or Weibao's) and keep it in the
    documents archive. Whoever may read the plan may print it."""
    return document_print(
        actor=actor,
        hospital=plan.hospital,
        contract=plan.contract,
        kind=KIND,
        data=switchover_context(plan),
        title=_("切换方案：%(t)s") % {"t": plan.title},
        filename=f"switchover-{plan.pk}.docx",
        subject=f"records.switchover:{plan.pk}",
        context=context or AuditContext.system(),
    )
