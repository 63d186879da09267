"""Checklists (巡检表) as data: what an inspection of each kind of system checks, and how a number
reads against its thresholds. No Django, no database: the services load these and store items.

The rules:

* A checklist is a YAML file in ``checklists/`` per kind of system (PACS, HIS, DRG, regional
  platform, database server, generic server). It may ``include`` others (a PACS checklist includes
  the database server's, which includes the generic server's); included items come first.
* Items are grouped by area (:data:`AREAS`, in the order an inspection lists them). Each item has a
  ``code`` unique in its checklist, a Chinese ``label``, a ``kind`` (:data:`KINDS`), for a number a
  ``unit`` and optional thresholds, and an optional ``probe`` key (:data:`PROBES`) naming the probe
  kind and metric that can fill it.
* A number is 异常 when it is beyond a warning threshold (``warn_above`` / ``warn_below``), and
  critical beyond a critical one; a threshold that is not given is not checked.
* A maintained system's kind picks its checklist (:data:`CHECKLIST_OF_SYSTEM_KIND`): the inventory
  says PACS, HIS, DRG, EMR, LIS, platform or other; EMR and LIS are clinical systems with a
  database and interfaces, so they take the HIS checklist; "other" takes the generic server's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DIRECTORY = Path(__file__).with_name("checklists")

#: The areas of a checklist, in the order an inspection shows them, with their Chinese labels.
AREAS: tuple[tuple[str, str], ...] = (
    ("server", "服务器资源"),
    ("database", "数据库与备份"),
    ("archive", "影像存储容量与增长"),
    ("dicom", "DICOM 服务与工作列表"),
    ("interfaces", "接口队列与错误"),
    ("certificates", "证书"),
    ("time", "时间同步"),
    ("security", "安全（账号、补丁、等保）"),
    ("environment", "机房环境"),
    ("modules", "系统模块运行情况"),
    ("obligation", "合同约定巡检内容"),
)
AREA_LABELS = dict(AREAS)
AREA_RANK = {code: rank for rank, (code, _label) in enumerate(AREAS)}
#: Areas checked once per inspection (the machine room), not once per kind of system.
SHARED_AREAS = frozenset({"environment"})

PASS_FAIL, NUMBER, TEXT, PHOTO = "pass_fail", "number", "text", "photo"
KINDS = (PASS_FAIL, NUMBER, TEXT, PHOTO)
THRESHOLDS = ("warn_above", "crit_above", "warn_below", "crit_below")

#: The level a number reads at.
OK, WARN, CRIT = "ok", "warn", "crit"


@dataclass(frozen=True)
class ProbeKey:
    """Which probe results fill an item: the probe kind (as ``probes.runners.KINDS`` names it), the
    metric (None: the probe's state alone), and the factor from the metric's unit to the item's."""

    kind: str
    metric: str | None = None
    scale: float = 1.0


#: The probe keys a checklist item may name.
PROBES: dict[str, ProbeKey] = {
    "tcp_connect": ProbeKey("tcp"),
    "http_check": ProbeKey("http"),
    "soap_check": ProbeKey("soap"),
    "hl7_ack": ProbeKey("hl7"),
    "dicom_echo": ProbeKey("dicom-echo"),
    "dicom_worklist": ProbeKey("dicom-worklist"),
    "dicom_worklist_items": ProbeKey("dicom-worklist", "items"),
    "tls_days_left": ProbeKey("tls", "days_left"),
    "sql_query": ProbeKey("sql"),
    "sql_value": ProbeKey("sql", "value"),
    "backup_age_hours": ProbeKey("backup", "age", 1 / 3600),  # the probe measures seconds
}

#: A maintained system's kind (``contracts.template_schema.SystemKind``) → its checklist.
CHECKLIST_OF_SYSTEM_KIND: dict[str, str] = {
    "PACS": "pacs",
    "HIS": "his",
    "EMR": "his",
    "LIS": "his",
    "DRG": "drg",
    "platform": "regional",
    "other": "server",
}
DEFAULT_CHECKLIST = "server"


class ChecklistError(ValueError):
    """A checklist file that does not follow the rules; the message lists every problem."""


@dataclass(frozen=True)
class ItemSpec:
    """One item of a checklist."""

    code: str
    area: str
    label: str
    kind: str
    unit: str = ""
    warn_above: Decimal | None = None
    crit_above: Decimal | None = None
    warn_below: Decimal | None = None
    crit_below: Decimal | None = None
    probe: str = ""

    @property
    def area_label(self) -> str:
        return AREA_LABELS[self.area]


@dataclass(frozen=True)
class Checklist:
    """A checklist: its code, name and items (included checklists' first), ordered by area."""

    code: str
    name: str
    items: tuple[ItemSpec, ...] = field(default_factory=tuple)


def level(
    value: Decimal | float | None,
    *,
    warn_above: Decimal | None = None,
    crit_above: Decimal | None = None,
    warn_below: Decimal | None = None,
    crit_below: Decimal | None = None,
) -> str | None:
    """How a number reads against its thresholds: ``crit``, ``warn`` or ``ok``; None for no value."""
    if value is None:
        return None
    v = Decimal(str(value))
    if (crit_above is not None and v > crit_above) or (crit_below is not None and v < crit_below):
        return CRIT
    if (warn_above is not None and v > warn_above) or (warn_below is not None and v < warn_below):
        return WARN
    return OK


def _decimal(raw: Any, where: str, problems: list[str]) -> Decimal | None:
    if raw is None:
        return None
    if isinstance(raw, bool):
        problems.append(f"{where}: not a number: {raw!r}")
        return None
    try:
        return Decimal(str(raw))
    except InvalidOperation:
        problems.append(f"{where}: not a number: {raw!r}")
        return None


_ITEM_KEYS = frozenset({"code", "label", "kind", "unit", "probe", *THRESHOLDS})


def _item(raw: Any, area: str, where: str, problems: list[str]) -> ItemSpec | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: an item is a mapping")
        return None
    unknown = set(raw) - _ITEM_KEYS
    if unknown:
        problems.append(f"{where}: unknown keys {sorted(unknown)}")
    code, label, kind = str(raw.get("code") or ""), str(raw.get("label") or ""), raw.get("kind")
    if not code or not label:
        problems.append(f"{where}: code and label are required")
    if kind not in KINDS:
        problems.append(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    limits = {name: _decimal(raw.get(name), f"{where}.{name}", problems) for name in THRESHOLDS}
    unit = str(raw.get("unit") or "")
    if kind == NUMBER and not unit:
        problems.append(f"{where}: a number needs a unit")
    if kind != NUMBER and (unit or any(v is not None for v in limits.values())):
        problems.append(f"{where}: only a number has a unit and thresholds")
    wa, ca, wb, cb = (limits[k] for k in ("warn_above", "crit_above", "warn_below", "crit_below"))
    if wa is not None and ca is not None and ca < wa:
        problems.append(f"{where}: crit_above is below warn_above")
    if wb is not None and cb is not None and cb > wb:
        problems.append(f"{where}: crit_below is above warn_below")
    probe = str(raw.get("probe") or "")
    if probe and probe not in PROBES:
        problems.append(f"{where}: unknown probe {probe!r} (one of {', '.join(PROBES)})")
    if probe and kind == NUMBER and PROBES.get(probe, ProbeKey("")).metric is None:
        problems.append(f"{where}: probe {probe!r} gives a state, not a number")
    if probe and kind in (TEXT, PHOTO):
        problems.append(f"{where}: a {kind} item cannot be filled by a probe")
    return ItemSpec(code=code, area=area, label=label, kind=str(kind), unit=unit, probe=probe, **limits)


def parse(raw: Any, name: str) -> tuple[str, str, list[str], list[ItemSpec]]:
    """One checklist file's code, name, includes and own items; ChecklistError on any problem."""
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise ChecklistError(f"{name}: a checklist is a mapping")
    unknown = set(raw) - {"code", "name", "includes", "areas"}
    if unknown:
        problems.append(f"{name}: unknown keys {sorted(unknown)}")
    code, title = str(raw.get("code") or ""), str(raw.get("name") or "")
    if not code or not title:
        problems.append(f"{name}: code and name are required")
    includes = raw.get("includes") or []
    if not isinstance(includes, list):
        problems.append(f"{name}: includes is a list")
        includes = []
    items: list[ItemSpec] = []
    areas = raw.get("areas") or {}
    if not isinstance(areas, dict):
        problems.append(f"{name}: areas is a mapping of area → items")
        areas = {}
    for area, rows in areas.items():
        if area not in AREA_LABELS or area in ("modules", "obligation"):
            problems.append(f"{name}: unknown area {area!r}")
            continue
        for i, row in enumerate(rows or []):
            spec = _item(row, area, f"{name}.{area}[{i}]", problems)
            if spec is not None:
                items.append(spec)
    if problems:
        raise ChecklistError("\n".join(problems))
    return code, title, [str(i) for i in includes], items


def resolve(files: dict[str, tuple[str, list[str], list[ItemSpec]]]) -> dict[str, Checklist]:
    """Checklists with their includes resolved (``files``: code → name, includes, own items);
    ChecklistError for an unknown or circular include, or a code twice in one checklist."""
    done: dict[str, Checklist] = {}

    def build(code: str, path: tuple[str, ...]) -> Checklist:
        if code in done:
            return done[code]
        if code in path:
            raise ChecklistError(f"circular include: {' → '.join((*path, code))}")
        if code not in files:
            raise ChecklistError(f"{path[-1] if path else '?'} includes unknown checklist {code!r}")
        name, includes, own = files[code]
        items: list[ItemSpec] = []
        for inc in includes:
            items += build(inc, (*path, code)).items
        items += own
        seen: set[str] = set()
        for item in items:
            if item.code in seen:
                raise ChecklistError(f"{code}: item code {item.code!r} appears twice")
            seen.add(item.code)
        ordered = sorted(items, key=lambda i: AREA_RANK[i.area])  # stable: file order within an area
        done[code] = Checklist(code=code, name=name, items=tuple(ordered))
        return done[code]

    for code in files:
        build(code, ())
    return done


def load(directory: Path = DIRECTORY) -> dict[str, Checklist]:
    """Every checklist in ``directory``, validated; ChecklistError listing what is wrong."""
    files: dict[str, tuple[str, list[str], list[ItemSpec]]] = {}
    for path in sorted(directory.glob("*.yaml")):
        code, name, includes, items = parse(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)
        if code != path.stem:
            raise ChecklistError(f"{path.name}: code {code!r} differs from the file name")
        files[code] = (name, includes, items)
    return resolve(files)


@cache
def checklists() -> dict[str, Checklist]:
    """The shipped checklists, loaded once."""
    return load()


def checklist_for(system_kind: str | None) -> Checklist:
    """The checklist of a maintained system of ``system_kind``."""
    return checklists()[CHECKLIST_OF_SYSTEM_KIND.get(system_kind or "", DEFAULT_CHECKLIST)]


def probe_reading(key: str, result: dict[str, Any]) -> tuple[bool, float | None]:
    """Does the probe ``result`` (a plain dict: ``probe_kind``, ``metric``, ``value``…) fill an item
    whose probe key is ``key``? And the value in the item's unit (None when the key has no metric)."""
    spec = PROBES.get(key)
    if spec is None or result.get("probe_kind") != spec.kind:
        return False, None
    if spec.metric is None:
        return True, None
    if result.get("metric") != spec.metric:
        return False, None
    value = result.get("value")
    return True, (None if value is None else float(value) * spec.scale)
