"""Writes of the contracts app: contracts (from templates) and their terms; the inventory's are in
:mod:`.inventory`."""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from weibao.accounts import permissions
from weibao.accounts.choices import OrgKind
from weibao.accounts.models import Campus, Organization
from weibao.audit.context import AuditContext
from weibao.audit.services import audit_record
from weibao.calendars import services as calendar_services
from weibao.calendars.models import WorkCalendar

from . import template_schema as ts
from .listeners import contract_changed
from .models import (
    Contract,
    ContractStatus,
    DeductionRule,
    Interface,
    MaintainedSystem,
    Module,
    PaymentMilestone,
    ServiceTerm,
    Severity,
)
from .targets import parse_escalation, parse_target, target_json

if TYPE_CHECKING:
    from weibao.accounts.models import User

    from .models import ContractGrant

TARGET_FIELDS = ("response", "onsite", "resolution")
#: What a person stores as a contract's status; 未生效 is never stored, the dates make it.
STORED_STATUSES = frozenset(ContractStatus.values) - {ContractStatus.PENDING}
WEEKDAY_INDEX = {w.value: i for i, w in enumerate(ts.Weekday)}


#: Contracts are the hospital's: its admins (and platform admins) write them (the rule lives in
#: :mod:`weibao.accounts.permissions`).
can_manage_contract = permissions.can_manage_contract


def _check_parties(hospital: Organization, vendor: Organization) -> None:
    errors = {}
    if hospital.kind != OrgKind.HOSPITAL:
        errors["hospital"] = _("“%(n)s”不是医院。") % {"n": hospital.name}
    if vendor.kind != OrgKind.VENDOR:
        errors["vendor"] = _("“%(n)s”不是厂商。") % {"n": vendor.name}
    if errors:
        raise ValidationError(errors)


def _check_stored_status(status: str) -> None:
    if status == ContractStatus.PENDING:
        raise ValidationError({"status": _("“未生效”由开始日期决定，不能直接设置。")})
    if status not in STORED_STATUSES:
        raise ValidationError({"status": _("未知的状态。")})


def contract_create(
    *,
    actor: User,
    hospital: Organization,
    vendor: Organization,
    code: str,
    title: str,
    start: date,
    end: date,
    amount: Decimal,
    status: str = ContractStatus.DRAFT,
    renewal_of: Contract | None = None,
    notes: str = "",
    context: AuditContext | None = None,
) -> Contract:
    """Create a contract without terms (they are added one by one): the hospital's admins only,
    between a hospital and a vendor."""
    permissions.require_manage_contract(actor, hospital.pk)
    _check_parties(hospital, vendor)
    if end < start:
        raise ValidationError({"end": _("结束日期不能早于开始日期。")})
    _check_stored_status(status)
    if Contract.objects.filter(code=code).exists():
        raise ValidationError({"code": _("合同编号已存在。")})
    with transaction.atomic():
        contract = Contract.objects.create(
            code=code,
            title=title,
            hospital=hospital,
            vendor=vendor,
            start=start,
            end=end,
            amount=amount,
            status=status,
            renewal_of=renewal_of,
            notes=notes,
            created_by=actor,
        )
        audit_record(action="contract.create", actor=actor, context=context, obj=contract)
        contract_changed(contract)
    return contract


def contract_delete(*, actor: User, contract: Contract, context: AuditContext | None = None) -> None:
    """Delete a draft contract (one in force is ended by setting it to 已终止, never deleted)."""
    permissions.require_manage_contract(actor, contract.hospital_id)
    if contract.status != ContractStatus.DRAFT:
        raise ValidationError({"status": _("只能删除草稿合同；履行中的合同请改为“已终止”。")})
    with transaction.atomic():
        audit_record(action="contract.delete", actor=actor, context=context, obj=contract)
        contract.delete()


def _calendar_code_map(template: ts.ContractTemplate, hospital: Organization) -> dict[str, str]:
    """Create the template's own calendars for this hospital (once) and map their codes."""
    mapping = {code: code for code in ts.BUILTIN_CALENDARS}
    for cal in template.calendars:
        code = f"{hospital.short_code.lower()}-{cal.code}"[:32]
        mapping[cal.code] = code
        if WorkCalendar.objects.filter(code=code).exists():
            continue
        weekly: dict[str, list[list[str]]] = {}
        for period in cal.periods:
            days = [WEEKDAY_INDEX[w.value] for w in period.weekdays] if period.weekdays else range(7)
            for day in days:
                weekly.setdefault(str(day), []).append([str(period.start), str(period.end)])
        calendar_services.calendar_create(
            actor=None,
            code=code,
            name=f"{hospital.name} {cal.name}"[:64],
            weekly=weekly,
            day_rule=cal.day_rule.value,
            owner=hospital,
            note=(cal.note or "")[:256],
        )
    return mapping


def _target(obj: Any, mapping: dict[str, str]) -> dict[str, Any] | None:
    if obj is None:
        return None
    data: dict[str, Any] = obj.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    if data.get("calendar"):
        data["calendar"] = mapping.get(data["calendar"], data["calendar"])
    return data


def _dump(obj: Any) -> Any:
    if obj is None:
        return None
    if isinstance(obj, list):
        return [_dump(o) for o in obj]
    return obj.model_dump(mode="json", exclude_none=True)


def period_end(start: date, months: int) -> date:
    """The last day of a period of ``months`` starting on ``start`` (2026-01-01 + 12 → 2026-12-31)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, monthrange(year, month)[1])) - timedelta(days=1)


def _milestone_amount(ms: ts.PaymentMilestone, amount: Decimal) -> tuple[Decimal | None, Decimal]:
    if ms.amount is not None:
        return None, Decimal(ms.amount)
    share = Fraction(str(ms.percent)) / 100 if ms.percent is not None else Fraction(str(ms.fraction))
    value = (amount * Decimal(share.numerator) / Decimal(share.denominator)).quantize(Decimal("0.01"))
    return Decimal(share.numerator * 100) / Decimal(share.denominator), value


def default_title(template: ts.ContractTemplate, hospital: Organization) -> str:
    """The contract's title for ``hospital``: the template's, with the template's buyer (the
    hospital of the seed document) replaced by ``hospital``'s name, or put in front of it."""
    title, buyer = template.title, template.source.buyer or ""
    if buyer and buyer in title:
        return title.replace(buyer, hospital.name, 1)[:200]
    if title.startswith("医院"):  # "医院HIS项目维保服务": the seed named no hospital
        return f"{hospital.name}{title[2:]}"[:200]
    return f"{hospital.name} {title}"[:200]


def default_code(template: ts.ContractTemplate, hospital: Organization, start: date) -> str:
    """The contract code the wizard proposes: hospital, template and first month."""
    return f"{hospital.short_code}-{template.code}-{start:%Y%m}"[:48]


def contract_create_from_template(
    *,
    actor: User,
    template: ts.ContractTemplate,
    hospital: Organization,
    vendor: Organization,
    start: date,
    end: date | None = None,
    amount: Decimal | None = None,
    code: str | None = None,
    title: str | None = None,
    status: str = ContractStatus.ACTIVE,
    renewal_of: Contract | None = None,
    context: AuditContext | None = None,
) -> Contract:
    """Create a contract with every term of ``template``: service terms, severities, clock rules,
    obligations, assessments, deductions, payment milestones, subsystems and the inventory."""
    if actor is not None:
        permissions.require_manage_contract(actor, hospital.pk)
    _check_parties(hospital, vendor)
    if end is None:
        end = period_end(start, template.period_months)
    if end < start:
        raise ValidationError({"end": _("结束日期不能早于开始日期。")})
    amount = Decimal(amount if amount is not None else (template.amount or 0))
    if amount <= 0:
        raise ValidationError({"amount": _("合同金额必须大于 0。")})
    code = (code or default_code(template, hospital, start)).strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{1,47}", code):
        raise ValidationError({"code": _("合同编号只能包含字母、数字、. _ -，2–48 位。")})
    if Contract.objects.filter(code=code).exists():
        raise ValidationError({"code": _("合同编号“%(c)s”已存在。") % {"c": code}})
    with transaction.atomic():
        mapping = _calendar_code_map(template, hospital)
        contract = Contract.objects.create(
            code=code,
            title=(title or "").strip() or default_title(template, hospital),
            hospital=hospital,
            vendor=vendor,
            start=start,
            end=end,
            amount=amount,
            status=status,
            renewal_of=renewal_of,
            template_code=template.code,
            channels=[c.value for c in template.channels],
            support_lines=[
                {**_dump(s), "calendar": mapping.get(s.calendar, s.calendar)} for s in template.support_lines
            ],
            contacts=_dump(template.contacts),
            clock_rules=_dump(template.clock_rules),
            obligations=_dump(template.obligations),
            assessments=_dump(template.assessments),
            subsystems=_dump(template.subsystems),
            renewal_rule=_dump(template.renewal) or {},
            source=_dump(template.source),
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        ServiceTerm.objects.bulk_create(
            ServiceTerm(
                contract=contract,
                number=t.number,
                group=t.group or "",
                category=t.category.value,
                item=t.item,
                content=t.content,
                mode_text=t.mode_text or "",
                response_text=t.response_text or "",
                channels=[c.value for c in t.channels],
                separately_paid=t.separately_paid,
                response=_target(t.response, mapping),
                onsite=_target(t.onsite, mapping),
                resolution=_target(t.resolution, mapping),
                escalate_onsite=_target(t.escalate_onsite, mapping),
                extra={
                    k: v
                    for k, v in {
                        "mark": t.mark,
                        "ref": t.ref,
                        "remark": t.remark,
                        "detail": t.detail,
                        "note": t.note,
                        "service_window": _target(t.service_window, mapping),
                        "by_severity": t.by_severity,
                    }.items()
                    if v
                },
            )
            for t in template.service_terms
        )
        Severity.objects.bulk_create(
            Severity(
                contract=contract,
                code=s.code,
                label=s.label,
                definition=s.definition,
                order=i,
                response=_target(s.response, mapping),
                onsite=_target(s.onsite, mapping),
                resolution=_target(s.resolution, mapping),
                escalate_onsite=_target(s.escalate_onsite, mapping),
                extra={k: v for k, v in {"remedy": s.remedy, "text": s.text, "note": s.note}.items() if v},
            )
            for i, s in enumerate(template.severities)
        )
        milestones = []
        for i, ms in enumerate(template.payment_milestones):
            percent, value = _milestone_amount(ms, amount)
            milestones.append(
                PaymentMilestone(
                    contract=contract,
                    code=ms.code,
                    order=i,
                    name=ms.name,
                    percent=percent,
                    amount=value,
                    trigger=ms.trigger.value,
                    assessment=ms.assessment or "",
                    text=ms.text,
                    extra=ms.model_dump(
                        mode="json",
                        exclude_none=True,
                        exclude={"code", "name", "percent", "amount", "trigger", "assessment", "text"},
                    ),
                )
            )
        shares = [m for m in milestones if m.percent is not None]
        if shares and len(shares) == len(milestones):
            # Shares such as 1/6 do not divide into whole fen: the last payment takes the remainder,
            # so the milestones always add up to the contract amount exactly.
            shares[-1].amount += amount - sum(m.amount for m in milestones)
        PaymentMilestone.objects.bulk_create(milestones)
        rules = [(a.code, d) for a in template.assessments for d in a.deductions] + [
            ("", p) for p in template.penalties
        ]
        DeductionRule.objects.bulk_create(
            DeductionRule(
                contract=contract,
                code=d.code,
                assessment=assessment,
                kind=d.kind.value,
                name=d.name,
                text=d.text,
                params=d.model_dump(mode="json", exclude_none=True, exclude={"code", "kind", "name", "text"}),
            )
            for assessment, d in rules
        )
        _create_inventory(contract, template)
        audit_record(
            action="contract.create",
            actor=actor if getattr(actor, "pk", None) else None,
            context=context,
            obj=contract,
            organization=hospital,
            detail={"template": template.code},
        )
        contract_changed(contract)
    return contract


def _create_inventory(contract: Contract, template: ts.ContractTemplate) -> None:
    hospital = contract.hospital
    campuses = {c.name: c for c in Campus.objects.filter(hospital=hospital)}
    systems: dict[str, MaintainedSystem] = {}
    for s in template.inventory.systems:
        campus = next((campuses[name] for name in s.campuses if name in campuses), None)
        system, _created = MaintainedSystem.objects.update_or_create(
            hospital=hospital,
            code=s.code,
            defaults={
                "name": s.name,
                "kind": s.kind.value,
                "contract": contract,
                "vendor": contract.vendor,
                "campus": campus,
                "description": s.description or "",
                "campuses_text": "、".join(s.campuses)[:200],
            },
        )
        systems[s.code] = system
        existing = set(system.modules.values_list("name", flat=True))
        Module.objects.bulk_create(
            Module(
                system=system,
                code=m.code or "",
                name=m.name,
                group=m.group or "",
                description=m.description or "",
                order=i,
            )
            for i, m in enumerate(s.modules)
            if m.name not in existing
        )
    for itf in template.inventory.interfaces:
        system = systems[itf.system]
        module = system.modules.filter(name=itf.module).first() if itf.module else None
        Interface.objects.update_or_create(
            system=system,
            code=itf.code,
            defaults={
                "name": itf.name,
                "peer": itf.peer,
                "direction": itf.direction.value,
                "protocol": itf.protocol.value,
                "module": module,
                "description": itf.text or "",
            },
        )


def contract_update(
    *,
    actor: User,
    contract: Contract,
    version: int | None = None,
    context: AuditContext | None = None,
    **fields: Any,
) -> Contract:
    """Change a contract's own fields. ``version`` guards against overwriting someone else's edit."""
    permissions.require_manage_contract(actor, contract.hospital_id)
    allowed = {"title", "start", "end", "amount", "status", "notes", "channels"}
    if set(fields) - allowed:
        raise ValidationError(_("不能修改字段：%(f)s") % {"f": ", ".join(sorted(set(fields) - allowed))})
    if "channels" in fields:
        bad = [c for c in fields["channels"] if c not in ts.Channel._value2member_map_]
        if bad:
            raise ValidationError({"channels": _("未知的服务方式：%(c)s") % {"c": ", ".join(bad)}})
    _check_stored_status(fields.get("status", ContractStatus.ACTIVE))
    start, end = fields.get("start", contract.start), fields.get("end", contract.end)
    if end < start:
        raise ValidationError({"end": _("结束日期不能早于开始日期。")})
    if "amount" in fields and Decimal(fields["amount"]) <= 0:
        raise ValidationError({"amount": _("合同金额必须大于 0。")})
    before = {k: str(getattr(contract, k)) for k in fields}
    with transaction.atomic():
        rows = Contract.objects.filter(
            pk=contract.pk, **({"version": version} if version is not None else {})
        )
        if not rows.update(**fields, version=F("version") + 1):
            raise ValidationError({"version": _("合同已被他人修改，请刷新后重试。")}, code="conflict")
        contract.refresh_from_db()
        audit_record(
            action="contract.update",
            actor=actor,
            context=context,
            obj=contract,
            detail={"before": before, "after": {k: str(v) for k, v in fields.items()}},
        )
        if "start" in fields or "end" in fields:
            contract_changed(contract)
    return contract


def _clean_targets(fields: dict[str, Any], contract: Contract) -> dict[str, Any]:
    """Parse the targets among ``fields``; a calendar must be shared or one of the contract's
    parties' own."""
    calendars = WorkCalendar.objects.usable_by(contract.hospital_id, contract.vendor_id)
    for name in (*TARGET_FIELDS, "escalate_onsite"):
        if name in fields:
            parse = parse_escalation if name == "escalate_onsite" else parse_target
            target = parse(fields[name], where=name)
            if target is not None and target.calendar and not calendars.filter(code=target.calendar).exists():
                raise ValidationError({name: _("未知的日历：%(c)s") % {"c": target.calendar}})
            fields[name] = target_json(target)
    return fields


def term_update(
    *, actor: User, term: ServiceTerm, context: AuditContext | None = None, **fields: Any
) -> ServiceTerm:
    """Edit one service term (its text, channels or targets). Tickets created afterwards use the
    new targets; existing tickets keep the targets snapshotted when they were created."""
    permissions.require_manage_contract(actor, term.contract.hospital_id)
    allowed = {
        "item",
        "content",
        "group",
        "category",
        "channels",
        "mode_text",
        "response_text",
        *TARGET_FIELDS,
        "escalate_onsite",
        "separately_paid",
    }
    if set(fields) - allowed:
        raise ValidationError(_("不能修改字段：%(f)s") % {"f": ", ".join(sorted(set(fields) - allowed))})
    if "category" in fields and fields["category"] not in ts.Category._value2member_map_:
        raise ValidationError({"category": _("未知的服务类别。")})
    fields = _clean_targets(fields, term.contract)
    before = {k: getattr(term, k) for k in fields}
    with transaction.atomic():
        for key, value in fields.items():
            setattr(term, key, value)
        term.full_clean(exclude=["contract"])
        term.save(update_fields=list(fields))
        Contract.objects.filter(pk=term.contract_id).update(version=F("version") + 1)
        audit_record(
            action="service_term.update",
            actor=actor,
            context=context,
            obj=term,
            organization=term.contract.hospital,
            detail={"before": before, "after": fields},
        )
    return term


def term_create(
    *, actor: User, contract: Contract, context: AuditContext | None = None, **fields: Any
) -> ServiceTerm:
    permissions.require_manage_contract(actor, contract.hospital_id)
    fields = _clean_targets(fields, contract)
    with transaction.atomic():
        # The contract's row is locked while the next number is taken, so two terms added at
        # once get two numbers (on SQLite every write transaction is already one at a time).
        Contract.objects.select_for_update().filter(pk=contract.pk).first()
        if "number" not in fields:
            fields["number"] = (
                contract.terms.order_by("-number").values_list("number", flat=True).first() or 0
            ) + 1
        if contract.terms.filter(number=fields["number"]).exists():
            raise ValidationError({"number": _("序号 %(n)s 已存在。") % {"n": fields["number"]}})
        term = ServiceTerm(contract=contract, **fields)
        term.full_clean()
        term.save()
        audit_record(
            action="service_term.create",
            actor=actor,
            context=context,
            obj=term,
            organization=contract.hospital,
        )
    return term


def term_delete(*, actor: User, term: ServiceTerm, context: AuditContext | None = None) -> None:
    permissions.require_manage_contract(actor, term.contract.hospital_id)
    with transaction.atomic():
        audit_record(
            action="service_term.delete",
            actor=actor,
            context=context,
            obj=term,
            organization=term.contract.hospital,
        )
        term.delete()


def severity_update(
    *, actor: User, severity: Severity, context: AuditContext | None = None, **fields: Any
) -> Severity:
    permissions.require_manage_contract(actor, severity.contract.hospital_id)
    allowed = {"label", "definition", *TARGET_FIELDS, "escalate_onsite"}
    if set(fields) - allowed:
        raise ValidationError(_("不能修改字段：%(f)s") % {"f": ", ".join(sorted(set(fields) - allowed))})
    fields = _clean_targets(fields, severity.contract)
    with transaction.atomic():
        for key, value in fields.items():
            setattr(severity, key, value)
        severity.save(update_fields=list(fields))
        audit_record(
            action="severity.update",
            actor=actor,
            context=context,
            obj=severity,
            organization=severity.contract.hospital,
            detail={"after": fields},
        )
    return severity


def contract_grant(
    *,
    actor: User,
    contract: Contract,
    user: Any,
    valid_until: date | None = None,
    context: AuditContext | None = None,
) -> ContractGrant:
    """Give an auditor (the auditor role in an auditor organisation) read access to one contract."""
    from .models import ContractGrant

    permissions.require_manage_contract(actor, contract.hospital_id)
    if not permissions.can_grant_auditor(actor, contract, user):
        raise ValidationError({"user_id": _("只能向监理/审计机构的审计用户授权。")})
    with transaction.atomic():
        grant, _created = ContractGrant.objects.update_or_create(
            user=user, contract=contract, defaults={"granted_by": actor, "valid_until": valid_until}
        )
        audit_record(
            action="contract.grant",
            actor=actor,
            context=context,
            obj=contract,
            detail={"user": user.username},
        )
    return grant
