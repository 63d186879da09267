"""Sampled pass rate → grade, by the contract's grading rules (服务效果抽查合格率).

The rules, as seed 003's 附件1 writes them and the templates hold them as data:

* The pass rate is passes ÷ marked rows of the sample, in percent, exact (``Decimal``, no rounding:
  19 of 20 is 95 %, 17 of 18 is 94.44… % and still 良好).
* The grade is the first (best) grade whose ``min_percent`` the rate reaches; the grades are
  listed best first and the last has ``min_percent`` 0, so every rate has a grade.
* Any adverse event (因服务问题导致的不良事件, 恶性事件) gives the ``adverse_event_grade``
  whatever the rate; 无恶性事件 is its own line of the report.
* An assessment with several evaluations (seed 003: 使用科室 服务水平 and 信息中心 服务质量,
  each with its own sample) takes the lowest of their grades as its result.
* An evaluation passes when its grade is one of ``passing``.

Pure Python: no Django, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


class GradingError(ValueError):
    """Rules that cannot grade (no grades), or a sample that cannot be graded (nothing marked)."""


@dataclass(frozen=True)
class Grade:
    code: str
    label: str
    min_percent: Decimal


@dataclass(frozen=True)
class Rules:
    """A contract's grading: grades best first, the passing ones, the adverse-event grade."""

    grades: tuple[Grade, ...]
    passing: frozenset[str]
    adverse_event_grade: str | None = None

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Rules:
        grades = tuple(
            Grade(str(g["code"]), str(g["label"]), Decimal(str(g["min_percent"])))
            for g in data.get("grades") or []
        )
        if not grades:
            raise GradingError("grading without grades")
        return cls(grades, frozenset(data.get("passing") or []), data.get("adverse_event_grade"))

    def by_code(self, code: str) -> Grade:
        for g in self.grades:
            if g.code == code:
                return g
        raise GradingError(f"unknown grade {code!r}")

    def rank(self, code: str) -> int:
        """0 for the best grade, larger is worse."""
        return self.grades.index(self.by_code(code))

    def passes(self, code: str) -> bool:
        return code in self.passing


def pass_percent(passed: int, marked: int) -> Decimal:
    """Passes of the marked rows in percent, exact."""
    if marked <= 0:
        raise GradingError("no sampled row is marked")
    if not 0 <= passed <= marked:
        raise GradingError(f"{passed} passes of {marked} marked rows")
    return Decimal(passed) * 100 / Decimal(marked)


def grade_for_rate(rules: Rules, percent: Decimal) -> Grade:
    for g in rules.grades:
        if percent >= g.min_percent:
            return g
    return rules.grades[-1]


@dataclass(frozen=True)
class EvaluationResult:
    """One evaluation's outcome: its sample's rate and grade, and the adverse-event line."""

    code: str
    percent: Decimal | None
    rate_grade: Grade | None
    adverse_event: bool
    grade: Grade | None


def evaluate(rules: Rules, *, code: str, passed: int, marked: int, adverse_event: bool) -> EvaluationResult:
    """Grade one evaluation. Without marked rows the rate has no grade, but an adverse event
    still decides the result."""
    percent = pass_percent(passed, marked) if marked else None
    rate_grade = grade_for_rate(rules, percent) if percent is not None else None
    grade = rate_grade
    if adverse_event and rules.adverse_event_grade:
        grade = rules.by_code(rules.adverse_event_grade)
    return EvaluationResult(code, percent, rate_grade, adverse_event, grade)


def lowest(rules: Rules, grades: Iterable[Grade | None]) -> Grade | None:
    """The worst of the grades; None when any of them is still missing."""
    found = list(grades)
    if not found or any(g is None for g in found):
        return None
    return max((g for g in found if g is not None), key=lambda g: rules.rank(g.code))
