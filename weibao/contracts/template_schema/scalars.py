"""Scalar types of the template format (codes, durations, times, fractions, money, percents)
and the base model every section uses."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from weibao.calendars.durations import DurationError, parse_duration

_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_TIME_RE = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
_FRACTION_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def _check_code(value: str) -> str:
    if not _CODE_RE.match(value):
        raise ValueError(
            f"{value!r} is not a valid code: use lowercase letters, digits, '-', '_' or '.', "
            "starting with a letter or digit (at most 64 characters)"
        )
    return value


def _check_duration(value: Any) -> str:
    try:
        parse_duration(value)
    except DurationError as exc:
        raise ValueError(str(exc)) from None
    return value.strip()


def _check_time(value: Any) -> str:
    if not isinstance(value, str) or not _TIME_RE.match(value) or (value > "24:00"):
        raise ValueError(f"time must be 'HH:MM' between 00:00 and 24:00 (quote it in YAML), not {value!r}")
    return value


def _check_fraction(value: Any) -> str:
    match = _FRACTION_RE.match(value) if isinstance(value, str) else None
    if not match or int(match.group(2)) == 0 or int(match.group(1)) > int(match.group(2)):
        raise ValueError(f"fraction must look like '1/6' (between 0 and 1), not {value!r}")
    return f"{int(match.group(1))}/{int(match.group(2))}"


Code = Annotated[str, AfterValidator(_check_code)]
DurationText = Annotated[str, BeforeValidator(_check_duration)]
TimeText = Annotated[str, BeforeValidator(_check_time)]
FractionText = Annotated[str, BeforeValidator(_check_fraction)]
Money = Annotated[Decimal, Field(ge=0, decimal_places=2)]
Percent = Annotated[Decimal, Field(ge=0, le=100)]
Text = Annotated[str, Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=False)
