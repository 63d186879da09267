"""A loaded template's tables as plain rows, to compare with what a seed's tables say."""

from __future__ import annotations

from weibao.contracts.template_schema import ContractTemplate, Target


def target_text(target: Target | None) -> str | None:
    return target.compact() if target is not None else None


def rows(template: ContractTemplate) -> list[tuple]:
    """(number, item, category, channels, response, onsite, resolution, escalate_onsite)."""
    out = []
    for term in template.service_terms:
        esc = term.escalate_onsite
        out.append(
            (
                term.number,
                term.item,
                term.category.value,
                tuple(c.value for c in term.channels),
                target_text(term.response),
                target_text(term.onsite),
                target_text(term.resolution),
                None if esc is None else (esc.compact() or "untimed"),
            )
        )
    return out


def severity_rows(template: ContractTemplate) -> list[tuple]:
    return [
        (
            s.code,
            s.label,
            s.definition,
            target_text(s.response),
            target_text(s.onsite),
            target_text(s.resolution),
            s.remedy,
        )
        for s in template.severities
    ]


def inspection_rows(template: ContractTemplate) -> list[tuple]:
    out = []
    for insp in template.obligations.inspections:
        report = insp.report
        out.append(
            (
                insp.cadence.kind.value,
                insp.cadence.n,
                insp.mode.value,
                tuple(insp.checklist),
                None if report is None else report.name,
                None if report is None else (report.due.rule.value, report.due.n),
                None if report is None else tuple(s.value for s in report.signed_by),
            )
        )
    return out


def deliverable_rows(template: ContractTemplate) -> list[tuple]:
    return [
        (d.name, d.period.value, None if d.due is None else (d.due.rule.value, d.due.n), d.if_any)
        for d in template.obligations.deliverables
    ]


def payment_rows(template: ContractTemplate) -> list[tuple]:
    return [
        (
            m.share,
            m.trigger.value,
            m.assessment,
            tuple(m.periods),
            m.requires_all_deliverables,
            m.requires_invoice,
            m.pay_within,
            m.pay_within_months,
        )
        for m in template.payment_milestones
    ]
