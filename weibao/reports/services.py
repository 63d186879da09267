"""Writes of the deliverables: produce a period's document from the records (archived with its
SHA-256 and who produced it), and record that a produced one was signed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts import permissions
from weibao.accounts.models import User
from weibao.audit.context import AuditContext
from weibao.audit.services import audit_record
from weibao.contracts.models import Contract
from weibao.documents.models import GeneratedDocument
from weibao.documents.render import Sheet, render_docx, render_xlsx
from weibao.documents.services import document_store, template_bytes

from .builders import build_context, service_record_rows
from .choices import DeliverableState
from .kinds import COLUMNS, kind_code
from .models import Deliverable
from .periods import BadPeriod, Period, parse_period
from .schedule import Spec, find, specs


@dataclass(frozen=True)
class Target:
    """A deliverable of a contract for one period, checked against the contract's template."""

    spec: Spec
    period: Period


def deliverable_target(contract: Contract, code: str, period_label: str) -> Target:
    """The contract's deliverable ``code`` for ``period_label``, or a ValidationError saying why not."""
    spec = find(specs(contract.obligations), code)
    if spec is None:
        raise ValidationError(_("合同没有这项交付物：%(code)s") % {"code": code})
    try:
        period = parse_period(period_label)
    except BadPeriod as e:
        raise ValidationError(str(e)) from e
    if period.cadence != spec.cadence:
        raise ValidationError(
            _("%(name)s 按%(cadence)s交付，期间 %(period)s 不对应。")
            % {"name": spec.name, "cadence": _cadence_label(spec.cadence), "period": period.label}
        )
    if not period.overlaps(contract.start, contract.end):
        raise ValidationError(_("期间 %(period)s 不在合同期内。") % {"period": period.label})
    return Target(spec, period)


def _cadence_label(cadence: str) -> str:
    return {"month": _("月"), "quarter": _("季度"), "half_year": _("半年"), "year": _("年")}.get(
        cadence, cadence
    )


def _safe(text: str) -> str:
    return "".join(c for c in text if c not in '\\/:*?"<>|').strip()


def deliverable_produce(
    *,
    actor: User | None,
    contract: Contract,
    code: str,
    period: str,
    context: AuditContext | None = None,
) -> list[GeneratedDocument]:
    """Print the period's document from the records — the DOCX from the hospital's template (or
    the default), and for the 记录单 an XLSX too — and archive each. ``actor=None`` is the
    system (the CLI run by whoever runs the installation)."""
    if actor is not None and not permissions.can_produce_deliverables(actor, contract):
        raise PermissionDenied(_("只有服务商人员和医院管理员可以生成交付物。"))
    target = deliverable_target(contract, code, period)
    spec, per = target.spec, target.period
    if spec.generator is None:
        raise ValidationError(_("%(name)s 不在此生成（由考核评价生成或线下提交）。") % {"name": spec.name})
    now = timezone.now()
    kind = kind_code(spec.generator)
    data = build_context(spec.generator, contract, per, spec, actor=actor, now=now)
    stem = _safe(f"{contract.code}-{per.label}-{spec.name}")
    files = [(f"{stem}.docx", render_docx(template_bytes(kind, contract.hospital_id), data))]
    if spec.generator == "service_record":
        columns = COLUMNS["service_record"]
        sheet = Sheet(
            title=spec.name,
            header=[h for h, _k in columns],
            rows=([row[k] for _h, k in columns] for row in service_record_rows(contract, per)),
            widths=[6, 18, 17, 12, 18, 10, 40, 50, 17, 17, 10, 24],
        )
        files.append((f"{stem}.xlsx", render_xlsx([sheet])))
    with transaction.atomic():
        documents = [
            document_store(
                actor=actor,
                hospital=contract.hospital,
                contract=contract,
                kind=kind,
                title=f"{per.label} {spec.name}",
                filename=filename,
                content=content,
                subject=f"reports.deliverable:{spec.code}",
                period=per.label,
                context=context,
            )
            for filename, content in files
        ]
        mark_produced(
            actor=actor,
            contract=contract,
            spec=spec,
            period=per.label,
            files={d.filename: d.sha256 for d in documents},
            context=context,
        )
    return documents


def deliverable_sign(
    *,
    actor: User,
    contract: Contract,
    code: str,
    period: str,
    signed_on: date,
    signer: str,
    context: AuditContext | None = None,
) -> Deliverable:
    """Record that the period's produced document was signed on paper: on which day, by whom."""
    if not permissions.can_sign_deliverables(actor, contract):
        raise PermissionDenied(_("只有医院管理员可以登记交付物的签署。"))
    target = deliverable_target(contract, code, period)
    signer = signer.strip()
    if not signer:
        raise ValidationError(_("请填写签署人。"))
    if signed_on > timezone.localdate():
        raise ValidationError(_("签署日期不能晚于今天。"))
    with transaction.atomic():
        row: Deliverable | None = (
            Deliverable.objects.select_for_update()
            .filter(contract=contract, code=target.spec.code, period=target.period.label)
            .first()
        )
        if row is None:
            raise ValidationError(_("请先生成本期的文档，再登记签署。"))
        now = timezone.now()
        row.state = DeliverableState.SIGNED
        row.signed_on, row.signed_by_name = signed_on, signer[:100]
        row.signed_recorded_by, row.signed_recorded_at, row.updated_at = actor, now, now
        row.save(
            update_fields=[
                "state",
                "signed_on",
                "signed_by_name",
                "signed_recorded_by",
                "signed_recorded_at",
                "updated_at",
            ]
        )
        audit_record(
            action="deliverable.sign",
            actor=actor,
            context=context,
            obj=row,
            organization=contract.hospital,
            detail={
                "code": row.code,
                "period": row.period,
                "signed_on": signed_on.isoformat(),
                "signer": signer,
            },
        )
    return row


def mark_produced(
    *,
    actor: User | None,
    contract: Contract,
    spec: Spec,
    period: str,
    files: dict[str, str],
    context: AuditContext | None = None,
    **detail: Any,
) -> Deliverable:
    """Record that the period's deliverable was produced now (a signed one stays signed), with the
    files' SHA-256 in the audit trail. Called inside the producing transaction."""
    now = timezone.now()
    row: Deliverable = Deliverable.objects.select_for_update().get_or_create(
        contract=contract,
        code=spec.code,
        period=period,
        defaults={"hospital_id": contract.hospital_id, "name": spec.name},
    )[0]
    row.produced_at, row.produced_by, row.updated_at = now, actor, now
    if row.state != DeliverableState.SIGNED:
        row.state = DeliverableState.PRODUCED
    row.save(update_fields=["produced_at", "produced_by", "updated_at", "state"])
    audit_record(
        action="deliverable.produce",
        actor=actor,
        context=context,
        obj=row,
        organization=contract.hospital,
        detail={"contract": contract.code, "code": spec.code, "period": period, **detail, "files": files},
    )
    return row
