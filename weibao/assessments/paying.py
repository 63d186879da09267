"""Writes of the payment records: the conditions a person marks (具备实施条件, 交付物已提交, 审计完成
with the audited amount), the invoice number and the payment itself."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts import permissions
from weibao.accounts.models import User
from weibao.audit.context import AuditContext
from weibao.audit.services import audit_record
from weibao.contracts.models import PaymentMilestone

from .models import MilestoneRecord

#: The fields a hospital admin records; the invoice fields the vendor's manager may record too.
PAYMENT_FIELDS = ("condition_on", "deliverables_on", "audit_on", "audited_amount", "paid_on", "paid_amount")
INVOICE_FIELDS = ("invoice_number", "invoice_on")


def milestone_record(
    *, actor: User, milestone: PaymentMilestone, context: AuditContext | None = None, **values: Any
) -> MilestoneRecord:
    """Record what people mark on a milestone (only the fields given; ``None`` clears one)."""
    contract = milestone.contract
    unknown = set(values) - set(PAYMENT_FIELDS) - set(INVOICE_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("未知的字段。")})
    if set(values) & set(PAYMENT_FIELDS) and not permissions.can_record_payment(actor, contract):
        raise PermissionDenied(_("只有医院管理员可以登记付款条件和支付。"))
    if set(values) & set(INVOICE_FIELDS) and not permissions.can_record_invoice(actor, contract):
        raise PermissionDenied(_("只有厂商项目经理或医院管理员可以登记发票。"))
    errors = {}
    for name in ("audited_amount", "paid_amount"):
        v = values.get(name)
        if v is not None and Decimal(v) < 0:
            errors[name] = _("金额不能为负。")
    today = timezone.localdate()
    for name in ("condition_on", "deliverables_on", "audit_on", "paid_on", "invoice_on"):
        v = values.get(name)
        if isinstance(v, date) and v > today:
            errors[name] = _("日期不能晚于今天。")
    if values.get("audit_on") and values.get("audited_amount") is None and "audited_amount" in values:
        errors["audited_amount"] = _("请填写审定金额。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        record, _created = MilestoneRecord.objects.select_for_update().get_or_create(
            milestone=milestone, defaults={"contract": contract}
        )
        for name, value in values.items():
            setattr(record, name, value.strip() if isinstance(value, str) else value)
        record.updated_at = timezone.now()
        record.save()
        audit_record(
            action="payment.record",
            actor=actor,
            context=context,
            obj=record,
            organization=contract.hospital,
            detail={"milestone": milestone.code, **{k: str(v) for k, v in values.items()}},
        )
    return record  # type: ignore[no-any-return]
