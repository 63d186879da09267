"""Cross-reference checks on plain data.

They work on the plain (YAML-loaded) data rather than on validated models so that the loader
can report them together with structural errors; anything of the wrong shape is skipped
(the structural validation reports it).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from .calendars import BUILTIN_CALENDARS
from .scalars import _FRACTION_RE
from .terms import _CLOCKS
from .vocabulary import Channel, DeductionKind

Loc = tuple[str | int, ...]


def _get(data: Any, *keys: str | int) -> Any:
    for key in keys:
        if isinstance(key, int):
            data = data[key] if isinstance(data, list) and 0 <= key < len(data) else None
        else:
            data = data.get(key) if isinstance(data, dict) else None
    return data


def _rows(data: Any, *keys: str | int) -> list[tuple[int, dict[str, Any]]]:
    value = _get(data, *keys)
    if not isinstance(value, list):
        return []
    return [(i, row) for i, row in enumerate(value) if isinstance(row, dict)]


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


_UNREADABLE: Any = object()


def _share(row: dict[str, Any]) -> Any:
    """A milestone's share of the contract (a Fraction); ``None`` for a fixed amount;
    ``_UNREADABLE`` when the row is malformed (the structural validation reports it)."""
    percent = _decimal(row.get("percent"))
    if percent is not None:
        return Fraction(percent) / 100
    fraction = row.get("fraction")
    match = _FRACTION_RE.match(fraction) if isinstance(fraction, str) else None
    if match and int(match.group(2)):
        return Fraction(int(match.group(1)), int(match.group(2)))
    if _decimal(row.get("amount")) is not None:
        return None
    return _UNREADABLE


_PERIOD_MONTHS = {"quarter": 3, "half_year": 6, "year": 12}


def reference_issues(data: dict[str, Any]) -> list[tuple[Loc, str]]:
    """Cross-reference problems in template data (a dict as loaded from YAML or dumped)."""
    out: list[tuple[Loc, str]] = []

    def unique(where: Loc, key: str, what: str) -> None:
        seen: dict[Any, int] = {}
        for i, row in _rows(data, *where):
            value = row.get(key)
            if value is None or isinstance(value, (dict, list)):
                continue
            if value in seen:
                out.append(
                    ((*where, i, key), f"duplicate {what} {value!r} (first used in entry [{seen[value]}])")
                )
            else:
                seen[value] = i

    unique(("calendars",), "code", "calendar code")
    unique(("support_lines",), "code", "support line code")
    unique(("contacts",), "code", "contact code")
    unique(("service_terms",), "number", "term number")
    unique(("severities",), "code", "severity code")
    unique(("obligations", "inspections"), "code", "inspection code")
    unique(("obligations", "deliverables"), "code", "deliverable code")
    unique(("obligations", "items"), "code", "obligation code")
    unique(("assessments",), "code", "assessment code")
    unique(("penalties",), "code", "penalty code")
    unique(("payment_milestones",), "code", "milestone code")
    unique(("subsystems",), "code", "subsystem code")
    unique(("inventory", "systems"), "code", "system code")
    unique(("inventory", "interfaces"), "code", "interface code")
    for i, _ in _rows(data, "inventory", "systems"):
        unique(("inventory", "systems", i, "modules"), "name", "module name")
        unique(("inventory", "systems", i, "modules"), "code", "module code")
    for i, _ in _rows(data, "assessments"):
        unique(("assessments", i, "deductions"), "code", "deduction code")

    # calendars
    declared = [c for _, row in _rows(data, "calendars") if (c := _str(row.get("code")))]
    known = [*BUILTIN_CALENDARS, *(c for c in declared if c not in BUILTIN_CALENDARS)]
    for i, row in _rows(data, "calendars"):
        if row.get("code") in BUILTIN_CALENDARS:
            out.append(
                (("calendars", i, "code"), f"{row['code']!r} is a built-in calendar; pick another code")
            )

    def cal_ref(code: Any, loc: Loc) -> None:
        if isinstance(code, str) and code not in known:
            out.append((loc, f"unknown calendar {code!r} (known: {', '.join(known)})"))

    for i, row in _rows(data, "support_lines"):
        cal_ref(row.get("calendar"), ("support_lines", i, "calendar"))
    for where in ("service_terms", "severities"):
        for i, row in _rows(data, where):
            for clock in (*_CLOCKS, "escalate_onsite", "service_window"):
                cal_ref(_get(row, clock, "calendar"), (where, i, clock, "calendar"))
    cal_ref(_get(data, "obligations", "residency", "calendar"), ("obligations", "residency", "calendar"))
    for i, assessment in _rows(data, "assessments"):
        for j, rule in _rows(assessment, "deductions"):
            cal_ref(rule.get("calendar"), ("assessments", i, "deductions", j, "calendar"))

    # channels
    offered = data.get("channels")
    # Only when the template's own channel list is valid (otherwise that is the error to fix).
    if isinstance(offered, list) and all(isinstance(c, str) and c in Channel.__members__ for c in offered):
        for where in ("service_terms", "support_lines"):
            for i, row in _rows(data, where):
                for j, channel in enumerate(row.get("channels") or []):
                    if isinstance(channel, str) and channel in Channel.__members__ and channel not in offered:
                        out.append(
                            (
                                (where, i, "channels", j),
                                f"channel {channel!r} is not in the template's channels ({', '.join(offered)})",
                            )
                        )

    # inspections → service terms
    numbers = [row.get("number") for _, row in _rows(data, "service_terms")]
    for i, row in _rows(data, "obligations", "inspections"):
        number = row.get("service_term")
        if isinstance(number, int) and number not in numbers:
            out.append(
                (("obligations", "inspections", i, "service_term"), f"no service term number {number}")
            )

    # assessments and deductions
    deliverables = [
        c for _, row in _rows(data, "obligations", "deliverables") if (c := _str(row.get("code")))
    ]
    severities = [c for _, row in _rows(data, "severities") if (c := _str(row.get("code")))]
    for i, row in _rows(data, "service_terms"):
        if row.get("by_severity") and not severities:
            out.append((("service_terms", i, "by_severity"), "the template defines no severities"))
    has_subsystems = bool(_rows(data, "subsystems"))
    for i, assessment in _rows(data, "assessments"):
        for j, code in enumerate(_get(assessment, "requires_deliverables") or []):
            if isinstance(code, str) and code not in deliverables:
                out.append(
                    (
                        ("assessments", i, "requires_deliverables", j),
                        f"unknown deliverable {code!r} (known: {', '.join(deliverables) or 'none'})",
                    )
                )
        for j, rule in _rows(assessment, "deductions"):
            loc: Loc = ("assessments", i, "deductions", j)
            if rule.get("kind") == "breach_penalty":
                out.append(((*loc, "kind"), "a breach_penalty (违约金) belongs under 'penalties'"))
            if rule.get("kind") == "failed_period" and assessment.get("on_failure") not in (None, "deduct"):
                out.append(
                    ((*loc, "kind"), "a failed_period deduction needs the assessment's on_failure 'deduct'")
                )
            by_severity = rule.get("by_severity")
            for severity in by_severity if isinstance(by_severity, dict) else {}:
                if severity not in severities:
                    out.append(
                        (
                            (*loc, "by_severity", severity),
                            f"unknown severity {severity!r} (known: {', '.join(severities) or 'none'})",
                        )
                    )
            if rule.get("base") == "subsystem_amount" and not has_subsystems:
                out.append(((*loc, "base"), "base 'subsystem_amount' needs the template's 'subsystems'"))
    for i, rule in _rows(data, "penalties"):
        kind = rule.get("kind")
        if isinstance(kind, str) and kind in DeductionKind.__members__ and kind != "breach_penalty":
            out.append(
                (("penalties", i, "kind"), f"a {kind} rule belongs under an assessment's 'deductions'")
            )

    # payments
    period_months = data.get("period_months") if isinstance(data.get("period_months"), int) else None
    assessments = {
        code: row.get("period") for _, row in _rows(data, "assessments") if (code := _str(row.get("code")))
    }
    for i, row in _rows(data, "payment_milestones"):
        code = row.get("assessment")
        if not isinstance(code, str):
            continue
        if code not in assessments:
            out.append(
                (
                    ("payment_milestones", i, "assessment"),
                    f"unknown assessment {code!r} (known: {', '.join(assessments) or 'none'})",
                )
            )
            continue
        period_name = assessments[code]
        months = _PERIOD_MONTHS.get(period_name) if isinstance(period_name, str) else None
        if not months or not period_months:
            continue
        count = -(-period_months // months)
        periods = row.get("periods")
        for j, period in enumerate(periods if isinstance(periods, list) else []):
            if isinstance(period, int) and not 1 <= period <= count:
                out.append(
                    (
                        ("payment_milestones", i, "periods", j),
                        f"period {period} does not exist: a {period_months}-month contract has {count} "
                        f"'{period_name}' periods (1–{count})",
                    )
                )
    milestones = _rows(data, "payment_milestones")
    shares = [_share(row) for _, row in milestones]
    amount = _decimal(data.get("amount"))
    if milestones and not any(s is _UNREADABLE for s in shares):
        if all(isinstance(s, Fraction) for s in shares):
            total = sum(shares, Fraction(0))
            if total != 1:
                out.append(
                    (("payment_milestones",), f"payment shares add up to {_percent(total)} %, not 100 %")
                )
        elif amount is not None:
            total_amount = sum(
                (
                    _decimal(row.get("amount")) or Decimal(0)
                    if share is None
                    else (amount * share.numerator / share.denominator).quantize(Decimal("0.01"))
                    for (_, row), share in zip(milestones, shares, strict=True)
                ),
                Decimal(0),
            )
            if total_amount != amount:
                out.append(
                    (
                        ("payment_milestones",),
                        f"payments add up to {total_amount} yuan, not the contract amount {amount}",
                    )
                )

    # subsystems, renewal
    systems = {c: row for _, row in _rows(data, "inventory", "systems") if (c := _str(row.get("code")))}
    for i, row in _rows(data, "subsystems"):
        code = row.get("system")
        if isinstance(code, str) and code not in systems:
            out.append(
                (
                    ("subsystems", i, "system"),
                    f"unknown system {code!r} (known: {', '.join(systems) or 'none'})",
                )
            )
    share_total = sum(
        (_decimal(row.get("share_percent")) or Decimal(0) for _, row in _rows(data, "subsystems")), Decimal(0)
    )
    if share_total > 100:
        out.append((("subsystems",), f"subsystem shares add up to {share_total} %, more than 100 %"))
    fixed_total = sum(
        (_decimal(row.get("amount")) or Decimal(0) for _, row in _rows(data, "subsystems")), Decimal(0)
    )
    if amount is not None and fixed_total > amount:
        out.append(
            (("subsystems",), f"subsystem amounts add up to {fixed_total}, more than the contract amount")
        )
    renewal_assessment = _get(data, "renewal", "assessment")
    if isinstance(renewal_assessment, str) and renewal_assessment not in assessments:
        out.append(
            (
                ("renewal", "assessment"),
                f"unknown assessment {renewal_assessment!r} (known: {', '.join(assessments) or 'none'})",
            )
        )

    # interfaces
    for i, row in _rows(data, "inventory", "interfaces"):
        code = row.get("system")
        if not isinstance(code, str):
            continue
        if code not in systems:
            out.append(
                (
                    ("inventory", "interfaces", i, "system"),
                    f"unknown system {code!r} (known: {', '.join(systems) or 'none'})",
                )
            )
            continue
        module = row.get("module")
        names = [m.get("name") for _, m in _rows(systems[code], "modules")]
        if isinstance(module, str) and module not in names:
            out.append(
                (("inventory", "interfaces", i, "module"), f"system {code!r} has no module named {module!r}")
            )
    return out


def _percent(share: Fraction) -> str:
    value = share * 100
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.4g}"


def _dotted(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
