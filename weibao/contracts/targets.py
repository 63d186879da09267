"""Contract targets as data, and their translation into the clock engine's targets.

A target is stored as ``{"within": "2h", "calendar": "7x24"}``, ``{"immediate": true,
"calendar": "7x24"}``, ``{"workday_appointment": true, "calendar": "5x8"}``, or ``None`` for no
promise; the template schema (:class:`weibao.contracts.template_schema.Target`) validates it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from pydantic import ValidationError as PydanticError

from weibao.calendars.durations import parse_duration

from .template_schema import Escalation, Target


def parse_target(raw: Any, *, where: str = "target") -> Target | None:
    """Validate stored or submitted target data; ``None``/``{}`` means no promise."""
    return _parse(Target, raw, where)


def parse_escalation(raw: Any, *, where: str = "escalate_onsite") -> Escalation | None:
    """Validate a "remote cannot solve it → on site within N" rule; ``None``/``{}`` means none."""
    return _parse(Escalation, raw, where)


def _parse(model: Any, raw: Any, where: str) -> Any:
    if raw in (None, {}, ""):
        return None
    try:
        return model.model_validate(raw)
    except PydanticError as exc:
        messages = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or where}: {e['msg']}" for e in exc.errors()
        )
        raise ValidationError({where: messages}) from exc


def target_json(target: Target | Escalation | None) -> dict | None:
    if target is None:
        return None
    return target.model_dump(mode="json", exclude_none=True, exclude_defaults=True)


def describe(raw: dict | None) -> str:
    """How the hospital reads it: ``2小时内（7x24）``, ``立即（7x24）``, ``法定工作日预约（5x8）``."""
    target = parse_target(raw)
    if target is None:
        return ""
    if target.kind == "within":
        duration = parse_duration(target.within)
        if duration.workdays:
            head = f"{duration.workdays}个工作日内"
        elif duration.seconds % 3600 == 0:
            head = f"{duration.seconds // 3600}小时内"
        else:
            head = f"{duration.seconds // 60}分钟内"
    elif target.kind == "immediate":
        head = "立即"
    else:
        head = "法定工作日预约"
    return f"{head}（{target.calendar}）"


def clock_target(raw: dict | None):
    """The clock engine's target for stored target data (None → not applicable)."""
    from weibao.calendars.clocks import Target as ClockTarget

    target = parse_target(raw)
    if target is None:
        return None
    if target.kind == "immediate":
        return ClockTarget.immediate()
    if target.kind == "workday_appointment":
        return ClockTarget.appointment()
    duration = parse_duration(target.within)
    return (
        ClockTarget.working_days(duration.workdays)
        if duration.workdays
        else ClockTarget.duration(duration.seconds)
    )
