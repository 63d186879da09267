"""Template filters that show the template vocabulary in Chinese."""

from django import template

from weibao.contracts import template_schema as ts

register = template.Library()

_VOCABULARIES = {
    "period": ts.AssessmentPeriod,
    "cadence": ts.CadenceKind,
    "deliverable_period": ts.DeliverablePeriod,
}


@register.filter
def vocab(value: str, kind: str) -> str:
    """``{{ a.period|vocab:"period" }}`` → 季度."""
    enum = _VOCABULARIES.get(kind)
    member = enum._value2member_map_.get(value) if enum else None
    return member.label if member is not None else value


@register.filter
def cadence(data: dict) -> str:
    """``{"kind": "times_per_year", "n": 4}`` → 每年 4 次."""
    if not data:
        return ""
    kind, n = data.get("kind"), data.get("n")
    texts = {"times_per_year": f"每年 {n} 次", "every_n_months": f"每 {n} 个月"}
    return texts.get(kind) or vocab(kind, "cadence")
