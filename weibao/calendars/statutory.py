"""Chinese statutory holiday data as calendar exceptions.

Two sources give the same :class:`StatutoryData`:

* the ``chinese_calendar`` package (seeded data; it raises ``NotImplementedError`` for years it
  does not know, such as a year whose State Council notice is not out yet), and
* a holiday-cn JSON file (NateScarlet/holiday-cn), which an admin imports when a new notice is
  published.

Only the days that differ from the plain weekly rule are exceptions: holidays on Monday–Friday
(``False``) and 调休 make-up workdays on Saturday/Sunday (``True``). Holiday names are kept for
every day a source names, including weekend holidays, for display.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

__all__ = [
    "StatutoryData",
    "from_chinese_calendar",
    "load_holiday_cn",
    "merge",
    "parse_holiday_cn",
]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class StatutoryData:
    """Statutory exceptions for a set of years.

    ``exceptions``: date → is_workday, only for days that differ from Monday–Friday;
    ``years``: the years the source covers completely (a day in another year is a fallback);
    ``names``: date → holiday name (for holidays and make-up days, weekends included);
    ``sources``: where the data came from (the holiday-cn ``papers`` URLs, or the package).
    """

    exceptions: Mapping[date, bool] = field(default_factory=dict)
    years: frozenset[int] = frozenset()
    names: Mapping[date, str] = field(default_factory=dict)
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "exceptions", MappingProxyType(dict(sorted(self.exceptions.items()))))
        object.__setattr__(self, "names", MappingProxyType(dict(sorted(self.names.items()))))
        object.__setattr__(self, "years", frozenset(self.years))

    def __hash__(self) -> int:
        return hash((tuple(self.exceptions.items()), self.years, tuple(self.names.items()), self.sources))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StatutoryData):
            return NotImplemented
        return (dict(self.exceptions), self.years, dict(self.names), self.sources) == (
            dict(other.exceptions),
            other.years,
            dict(other.names),
            other.sources,
        )


def _differs(day: date, is_workday: bool) -> bool:
    return is_workday != (day.weekday() < 5)


#: The holidays as the State Council's notices name them (and holiday-cn files carry them);
#: ``chinese_calendar`` names them in English.
CHINESE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def from_chinese_calendar(years: Iterable[int] | None = None) -> StatutoryData:
    """Exceptions from the ``chinese_calendar`` package for ``years`` (default: every year it
    covers). Years the package does not know are silently left out of ``years`` of the result,
    so a caller can ask for ``range(2024, 2028)`` and see which ones are really covered."""
    import chinese_calendar

    if years is None:
        years = range(1990, date.today().year + 3)
    exceptions: dict[date, bool] = {}
    names: dict[date, str] = {}
    covered: set[int] = set()
    for year in sorted(set(years)):
        try:
            chinese_calendar.is_workday(date(year, 1, 1))
        except NotImplementedError:
            continue
        covered.add(year)
        day, end = date(year, 1, 1), date(year + 1, 1, 1)
        while day < end:
            is_holiday, name = chinese_calendar.get_holiday_detail(day)
            if _differs(day, not is_holiday):
                exceptions[day] = not is_holiday
            if name:
                names[day] = CHINESE_NAMES.get(name, name)
            day += timedelta(days=1)
    version = getattr(chinese_calendar, "__version__", "")
    return StatutoryData(
        exceptions, frozenset(covered), names, (f"chinese_calendar {version}".strip(),) if covered else ()
    )


def in_notice_year(day: date, year: int) -> bool:
    """Whether ``day`` may be in the holiday arrangement of ``year``: a notice covers its year, and
    only 元旦 (with its make-up day) may begin in the December before (the 2023 notice's 元旦
    began on 2022-12-31). A date in the following year is always a mistake."""
    return day.year == year or (day.year == year - 1 and day.month == 12)


def parse_holiday_cn(
    data: str | bytes | Mapping[str, Any], *, source: str = "holiday-cn data"
) -> StatutoryData:
    """Parse one holiday-cn year file.

    ``{"year": 2027, "papers": [url, ...], "days": [{"name": "春节", "date": "2027-02-06",
    "isOffDay": true}, ...]}``. The file covers ``year``; a notice may also list days in the
    December before (元旦 of 2023 started on 2022-12-31), which are kept as exceptions without
    marking that year covered; a date in any other year is refused. Raises ``ValueError`` naming the
    offending field for anything malformed.
    """
    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"{source}: not valid JSON ({exc})") from exc
    if not isinstance(data, Mapping):
        kind = type(data).__name__
        raise ValueError(f"{source}: expected a JSON object with 'year' and 'days', got {kind}")
    year = data.get("year")
    if isinstance(year, bool) or not isinstance(year, int):
        raise ValueError(f"{source}: 'year' must be an integer such as 2027, got {year!r}")
    if not 1949 <= year <= 2200:
        raise ValueError(f"{source}: 'year' {year} is out of range")
    papers = data.get("papers", [])
    if not isinstance(papers, list) or not all(isinstance(p, str) for p in papers):
        raise ValueError(f"{source}: 'papers' must be a list of URLs")
    days = data.get("days")
    if not isinstance(days, list):
        raise ValueError(f"{source}: 'days' must be a list of {{name, date, isOffDay}} objects")
    exceptions: dict[date, bool] = {}
    names: dict[date, str] = {}
    seen: dict[date, bool] = {}
    for k, entry in enumerate(days):
        where = f"{source}: days[{k}]"
        if not isinstance(entry, Mapping):
            raise ValueError(f"{where}: expected an object, got {entry!r}")
        missing = [key for key in ("name", "date", "isOffDay") if key not in entry]
        if missing:
            raise ValueError(f"{where}: missing {', '.join(repr(m) for m in missing)}")
        name, raw_date, off = entry["name"], entry["date"], entry["isOffDay"]
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{where}.name: expected a holiday name, got {name!r}")
        if not isinstance(raw_date, str) or not _DATE.match(raw_date):
            raise ValueError(f"{where}.date: expected 'YYYY-MM-DD', got {raw_date!r}")
        try:
            day = date.fromisoformat(raw_date)
        except ValueError as exc:
            raise ValueError(f"{where}.date: {raw_date!r} is not a real date") from exc
        if not in_notice_year(day, year):
            raise ValueError(f"{where}.date: {raw_date} is outside the file's year {year}")
        if not isinstance(off, bool):
            raise ValueError(f"{where}.isOffDay: expected true or false, got {off!r}")
        is_workday = not off
        if day in seen and seen[day] != is_workday:
            raise ValueError(f"{where}: {raw_date} is listed both as a day off and as a workday")
        seen[day] = is_workday
        names[day] = name.strip()
        if _differs(day, is_workday):
            exceptions[day] = is_workday
    return StatutoryData(exceptions, frozenset({year}), names, tuple(papers))


def load_holiday_cn(path: str | Path) -> StatutoryData:
    """Read and parse a holiday-cn JSON file (see :func:`parse_holiday_cn`)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    return parse_holiday_cn(raw, source=str(path))


def merge(*datas: StatutoryData) -> StatutoryData:
    """Combine sources; a later one wins for the years it covers (its exceptions replace the
    earlier ones for those years, so a corrected notice can also remove a day) and for any date
    it lists explicitly."""
    exceptions: dict[date, bool] = {}
    names: dict[date, str] = {}
    years: set[int] = set()
    sources: list[str] = []
    for data in datas:
        exceptions = {d: v for d, v in exceptions.items() if d.year not in data.years}
        names = {d: v for d, v in names.items() if d.year not in data.years}
        exceptions.update(data.exceptions)
        names.update(data.names)
        years |= data.years
        sources.extend(s for s in data.sources if s not in sources)
    return StatutoryData(exceptions, frozenset(years), names, tuple(sources))
