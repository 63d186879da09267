"""What a contract requires, period by period: its template's deliverables turned into due documents.

Pure: the contract's ``obligations["deliverables"]`` (as the template stored them) and its dates
in, a list of :class:`Due` out. Rules:

* a deliverable of cadence month/quarter/half-year/year is due once for every such period that
  shares a day with the contract (a contract starting mid-quarter owes that quarter's documents);
* it is due on the period's last day (``end_of_period``, the default), on day N of the following
  month (``day_of_following_month``), or N days after the period's last day
  (``days_after_period_end``);
* per-event and on-request deliverables have no calendar: they are listed apart, undated;
* each deliverable is printed by the generator whose words its code or name carries
  (:data:`GENERATORS`); one that none prints (the 评价报告, written by the assessments) is still
  listed, with no generator.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from .periods import CADENCES, Period, month_start, periods_between

#: Generator code → the words in a deliverable's code or name that call for it (first match wins).
GENERATORS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("service_record", ("service-record", "服务记录单", "维保服务记录")),
    ("inspection_report", ("inspection-report", "巡检报告")),
    ("change_list", ("change-list", "需求变更")),
    ("tuning", ("tuning", "调优")),
    ("training", ("training", "培训")),
    ("meetings", ("meeting", "会议纪要")),
    ("service_reports", ("service-report", "服务报告")),
)


@dataclass(frozen=True)
class Spec:
    """One deliverable of the contract, as the template says it."""

    code: str
    name: str
    cadence: str
    due_rule: str = "end_of_period"
    due_n: int | None = None
    signed_by: tuple[str, ...] = ()
    if_any: bool = False
    generator: str | None = None


@dataclass(frozen=True)
class Due:
    """One document due for one period."""

    spec: Spec
    period: Period
    due: date
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


def generator_for(code: str, name: str) -> str | None:
    text = f"{code} {name}".lower()
    for generator, words in GENERATORS:
        if any(word in text for word in words):
            return generator
    return None


def _due_rule(value: Any) -> tuple[str, int | None]:
    """The template's due rule in any of its stored shapes: ``"end_of_period"``,
    ``{"rule": "days_after_period_end", "n": 15}`` or ``{"day_of_following_month": 10}``."""
    if value is None:
        return "end_of_period", None
    if isinstance(value, str):
        return value, None
    if isinstance(value, Mapping):
        if "rule" in value:
            return str(value["rule"]), value.get("n")
        for rule, n in value.items():
            return str(rule), int(n) if n is not None else None
    return "end_of_period", None


def specs(obligations: Mapping[str, Any] | None) -> list[Spec]:
    """The deliverables of a contract's stored obligations."""
    rows = (obligations or {}).get("deliverables") or []
    result = []
    for row in rows:
        rule, n = _due_rule(row.get("due"))
        code, name = str(row.get("code", "")), str(row.get("name", ""))
        result.append(
            Spec(
                code=code,
                name=name,
                cadence=str(row.get("period", "")),
                due_rule=rule,
                due_n=n,
                signed_by=tuple(row.get("signed_by") or ()),
                if_any=bool(row.get("if_any")),
                generator=generator_for(code, name),
            )
        )
    return result


def due_date(period: Period, rule: str, n: int | None) -> date:
    if rule == "day_of_following_month" and n:
        following = month_start(period.last_day.year, period.last_day.month + 1)
        return following + timedelta(days=n - 1)
    if rule == "days_after_period_end" and n:
        return period.last_day + timedelta(days=n)
    return period.last_day


def calendar(specs_: Iterable[Spec], first: date, last: date) -> list[Due]:
    """Every dated document due over a contract running ``first``..``last`` (inclusive), by
    period start, then in the template's order."""
    dues: list[tuple[date, int, Due]] = []
    for order, spec in enumerate(specs_):
        if spec.cadence not in CADENCES:
            continue
        for period in periods_between(spec.cadence, first, last):
            dues.append((period.start, order, Due(spec, period, due_date(period, spec.due_rule, spec.due_n))))
    dues.sort(key=lambda t: (t[0], t[2].period.end, t[1]))
    return [d for _, _, d in dues]


def undated(specs_: Iterable[Spec]) -> list[Spec]:
    """The deliverables with no calendar (per event, on request)."""
    return [s for s in specs_ if s.cadence not in CADENCES]


def find(specs_: Iterable[Spec], code: str) -> Spec | None:
    return next((s for s in specs_ if s.code == code), None)
