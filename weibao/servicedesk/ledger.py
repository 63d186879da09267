"""The 维护记录台账: the ticket ledger as an XLSX workbook, and the import of the same format so a
hospital brings its Excel history (original timestamps kept, clocks computed on it)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import CharField, QuerySet
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from weibao.audit.services import audit_record
from weibao.contracts.models import Contract
from weibao.core.exports import safe_row, unescape_cell

from . import permissions
from .choices import ClockStatus, EventKind, TicketChannel, TicketState
from .models import Ticket, TicketClock, TicketEvent
from .services import ticket_create
from .sla import refresh_clocks
from .workflow import SYSTEM, TRANSITIONS, Fields, IllegalTransition, Position, apply_transition

if TYPE_CHECKING:
    from weibao.accounts.models import User

ZONE = ZoneInfo(settings.TIME_ZONE)
SHEET = "维护记录台账"
FMT = "%Y-%m-%d %H:%M:%S"

COLUMNS = [
    ("number", "工单号", 18),
    ("hospital", "医院", 22),
    ("contract", "合同编号", 24),
    ("term_number", "服务项目序号", 8),
    ("term", "服务项目", 14),
    ("severity", "故障等级", 10),
    ("system", "系统", 16),
    ("module", "模块", 14),
    ("department", "科室", 10),
    ("title", "标题", 30),
    ("description", "描述", 40),
    ("channel", "报修渠道", 10),
    ("reporter", "报告人", 10),
    ("caller_name", "来电人", 10),
    ("caller_phone", "来电电话", 14),
    ("created_at", "报告时间", 19),
    ("responded_at", "响应时间", 19),
    ("resolved_at", "解决时间", 19),
    ("closed_at", "关闭时间", 19),
    ("state", "状态", 8),
    ("assignee", "处理人", 10),
    ("solution", "解决方案", 30),
    ("root_cause", "根本原因", 20),
    ("rating", "评价", 6),
    ("rating_comment", "评价意见", 20),
    ("vendor_caused", "因乙方原因", 8),
    ("adverse_event", "恶性事件", 8),
    ("response_due", "响应到期", 19),
    ("response_result", "响应结果", 8),
    ("onsite_due", "到场到期", 19),
    ("onsite_result", "到场结果", 8),
    ("resolution_due", "解决到期", 19),
    ("resolution_result", "解决结果", 8),
    ("cancel_reason", "取消原因", 16),
    ("process", "处理过程", 60),
    # Last, so that the columns of ledgers exported before them keep their places.
    ("original_number", "原工单号", 18),
    ("process_code", "处理过程（机读）", 40),
]
HEADERS = [title for _, title, _ in COLUMNS]
with translation.override("zh-hans"):  # the workbook's language, whoever loads this module
    STATE_BY_LABEL = {str(label): value for value, label in TicketState.choices}
    CHANNEL_BY_LABEL = {str(label): value for value, label in TicketChannel.choices}
    RESULT_LABELS = {str(value): str(label) for value, label in ClockStatus.choices}


def _fmt(value: datetime | None) -> str:
    return timezone.localtime(value, ZONE).strftime(FMT) if value else ""


#: The moves whose reason the ledger keeps.
WITH_REASON = ("hold", "wait_hospital", "cancel", "reopen")


def _moves(events: Iterable[TicketEvent]) -> list[tuple[str, str, str]]:
    """The transitions as (action, time, reason)."""
    moves = []
    for e in events:
        if e.kind == EventKind.TRANSITION and e.action:
            text = e.body.replace(";", "；").replace("\n", " ")[:200] if e.action in WITH_REASON else ""
            moves.append((e.action, _fmt(e.at), text))
    return moves


def _process(moves: list[tuple[str, str, str]]) -> str:
    """处理过程 for people: ``2026-03-02 03:10:00 开始处理；… 挂起（等备件）``."""
    with translation.override("zh-hans"):
        return "；".join(
            f"{at} {TRANSITIONS[action].label if action in TRANSITIONS else action}"
            + (f"（{text}）" if text else "")
            for action, at, text in moves
        )


def _process_code(moves: list[tuple[str, str, str]]) -> str:
    """The same moves as ``action@time`` (and ``|reason``), which an import replays."""
    return "; ".join(f"{action}@{at}" + (f"|{text}" if text else "") for action, at, text in moves)


def export_rows(tickets: Iterable[Ticket]) -> Iterable[list[Any]]:
    for t in tickets:
        clocks = {c.kind: c for c in t.clocks.all()}
        row = {
            "number": t.number,
            "original_number": t.original_number,
            "hospital": t.hospital.name,
            "contract": t.contract.code,
            "term_number": t.term.number,
            "term": t.term.item,
            "severity": t.severity.label if t.severity else "",
            "system": t.system.name if t.system else "",
            "module": t.module.name if t.module else "",
            "department": t.department.name if t.department else "",
            "title": t.title,
            "description": t.description,
            "channel": t.get_channel_display(),
            "reporter": str(t.reporter) if t.reporter else "",
            "caller_name": t.caller_name,
            "caller_phone": t.caller_phone,
            "created_at": _fmt(t.created_at),
            "responded_at": _fmt(t.responded_at),
            "resolved_at": _fmt(t.resolved_at),
            "closed_at": _fmt(t.closed_at),
            "state": t.get_state_display(),
            "assignee": str(t.assignee) if t.assignee else "",
            "solution": t.solution,
            "root_cause": t.root_cause,
            "rating": t.rating or "",
            "rating_comment": t.rating_comment,
            "vendor_caused": "是" if t.vendor_caused else "",
            "adverse_event": "是" if t.adverse_event else "",
            "cancel_reason": t.cancel_reason,
        }
        moves = _moves(t.events.all())
        row["process"], row["process_code"] = _process(moves), _process_code(moves)
        for kind in ("response", "onsite", "resolution"):
            clock = clocks.get(kind)
            row[f"{kind}_due"] = _fmt(clock.due_at) if clock else ""
            row[f"{kind}_result"] = RESULT_LABELS.get(clock.status, clock.status) if clock else ""
        yield [row[key] for key, _, _ in COLUMNS]


def export_xlsx(tickets: Iterable[Ticket]) -> bytes:
    """The ledger workbook (write-only mode: constant memory for large exports)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET)
    for i, (_, _, width) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    from openpyxl.cell import WriteOnlyCell

    header = []
    for title in HEADERS:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F6F8B")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        header.append(cell)
    ws.append(header)
    for row in export_rows(tickets):
        ws.append(safe_row(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_queryset(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """What the ledger reads of each ticket, fetched in a fixed number of queries."""
    return qs.select_related(
        "hospital", "contract", "term", "severity", "system", "module", "department", "reporter", "assignee"
    ).prefetch_related("clocks", "events")


def xlsx_response(qs: QuerySet[Ticket]) -> HttpResponse:
    """The ledger of ``qs`` as a download (the pages, the API and the CLI share it)."""
    response = HttpResponse(export_xlsx(export_queryset(qs).iterator(chunk_size=500)), content_type=XLSX_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f"attachment; filename=ledger-{stamp}.xlsx"
    return response


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _parse_time(value: Any, row: int, column: str) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.strptime(str(value).strip(), FMT)
        except ValueError:
            try:
                moment = datetime.fromisoformat(str(value).strip())
            except ValueError as exc:
                raise ValueError(f"第 {row} 行“{column}”不是时间：{value}") from exc
    moment = moment if moment.tzinfo else moment.replace(tzinfo=ZONE)
    if moment > timezone.now():
        # A ledger is history: a time still to come is a typing error (2062 for 2026), and a
        # ticket reported in the future would sit outside every clock and report.
        raise ValueError(f"第 {row} 行“{column}”晚于现在：{value}")
    return moment


def _replay(process: str, row: dict[str, Any], line: int) -> list[tuple[str, datetime, str]]:
    """The actions to replay: from the 处理过程 column, else from the timestamp columns."""
    steps: list[tuple[str, datetime, str]] = []
    if process:
        for part in process.split(";"):
            part = part.strip()
            if not part:
                continue
            action, _, rest = part.partition("@")
            moment_text, _, text = rest.partition("|")
            moment = _parse_time(moment_text, line, "处理过程")
            if moment is None:
                raise ValueError(f"第 {line} 行：“处理过程”中的 {action.strip()} 缺少时间")
            steps.append((action.strip(), moment, text.strip()))
        return steps
    if row.get("responded_at"):
        steps.append(("respond", row["responded_at"], ""))
    if row.get("resolved_at"):
        steps.append(("resolve", row["resolved_at"], ""))
    if row.get("closed_at"):
        steps.append(("confirm" if row.get("rating") else "auto_close", row["closed_at"], ""))
    if STATE_BY_LABEL.get(str(row.get("state") or "")) == TicketState.CANCELLED:
        steps.append(
            ("cancel", row.get("closed_at") or row["created_at"], row.get("cancel_reason") or "导入")
        )
    return steps


def import_xlsx(data: bytes, *, contract: Contract, actor: User | None = None) -> ImportResult:
    """Import ledger rows into ``contract``. Each row is its own transaction: a bad row is reported
    with its line number and the others are imported. The ledger names no assignee: imported
    tickets are unassigned (an assignee would be checked by ``ticket_create`` like any other)."""
    if actor is not None and not permissions.can_import_tickets(actor, contract):
        raise PermissionDenied(gettext("只有医院管理员可以导入历史工单。"))
    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
    index = {title: i for i, title in enumerate(header)}
    missing = [t for t in ("标题", "服务项目序号", "报告时间") if t not in index]
    result = ImportResult()
    if missing:
        result.errors.append(f"缺少列：{'、'.join(missing)}")
        return result
    terms = {t.number: t for t in contract.terms.all()}
    severities = {s.label: s for s in contract.severities.all()}
    systems = {s.name: s for s in contract.systems.all()}
    departments = {d.name: d for d in contract.hospital.departments.all()}
    for line, values in enumerate(rows, start=2):
        if not values or all(v in (None, "") for v in values):
            continue
        raw = {
            key: unescape_cell(values[index[title]])
            if title in index and index[title] < len(values)
            else None
            for key, title, _ in COLUMNS
        }
        try:
            with transaction.atomic():
                number = _import_row(raw, line, contract, terms, severities, systems, departments, actor)
            result.created.append(number)
        except (ValueError, IllegalTransition) as exc:
            message = str(exc)
            result.errors.append(
                message if message.startswith(f"第 {line} 行") else f"第 {line} 行：{message}"
            )
        except Exception as exc:  # one malformed row must not lose the others
            detail = getattr(exc, "message_dict", None) or getattr(exc, "messages", None) or str(exc)
            result.errors.append(f"第 {line} 行：{detail}")
    audit_record(
        action="ticket.import",
        actor=actor,
        organization=contract.hospital,
        detail={"contract": contract.code, "created": len(result.created), "errors": len(result.errors)},
    )
    return result


#: Text columns refused when longer than the ticket's field (not cut: the row is reported).
TEXT_LIMITS = (
    ("original_number", "工单号"),
    ("title", "标题"),
    ("caller_name", "来电人"),
    ("caller_phone", "来电电话"),
)


def _rating(value: Any, line: int) -> int | None:
    """The 评价 column: empty, or a whole number of 1–5 points."""
    if value in (None, ""):
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        number = None
    if number is None or not number.is_integer() or not 1 <= number <= 5:
        raise ValueError(f"第 {line} 行：评价须为 1–5 的整数，而不是 {value!r}")
    return int(number)


def _import_row(
    raw: dict[str, Any],
    line: int,
    contract: Contract,
    terms: dict[int, Any],
    severities: dict[str, Any],
    systems: dict[str, Any],
    departments: dict[str, Any],
    actor: User | None,
) -> str:
    try:
        term = terms[int(raw["term_number"])]
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"第 {line} 行：合同中没有服务项目序号 {raw['term_number']!r}") from exc
    created_at = _parse_time(raw["created_at"], line, "报告时间")
    if created_at is None:
        raise ValueError(f"第 {line} 行：缺少报告时间")
    if not raw.get("title"):
        raise ValueError(f"第 {line} 行：缺少标题")
    # The 工单号 of the file is kept as the original number, never as the ticket's number: that is
    # the sequence's, and another hospital's next numbers must not be importable into it.
    original_number = str(raw.get("original_number") or raw.get("number") or "").strip()
    for key, title in TEXT_LIMITS:
        field = Ticket._meta.get_field(key)
        if not isinstance(field, CharField) or field.max_length is None:
            raise TypeError(f"Ticket.{key} is not a bounded text field")
        limit = field.max_length
        value = original_number if key == "original_number" else str(raw.get(key) or "")
        if len(value) > limit:
            raise ValueError(f"第 {line} 行：“{title}”超过 {limit} 个字符")
    rating = _rating(raw.get("rating"), line)
    row = {**raw, "created_at": created_at}
    for key, title in (("responded_at", "响应时间"), ("resolved_at", "解决时间"), ("closed_at", "关闭时间")):
        row[key] = _parse_time(raw.get(key), line, title)
    severity = severities.get(str(raw.get("severity") or "")) if raw.get("severity") else None
    ticket = ticket_create(
        actor=None,
        contract=contract,
        term=term,
        title=str(raw["title"]),
        description=str(raw.get("description") or ""),
        severity=severity,
        system=systems.get(str(raw.get("system") or "")),
        department=departments.get(str(raw.get("department") or "")),
        channel=CHANNEL_BY_LABEL.get(str(raw.get("channel") or ""), TicketChannel.PHONE),
        caller_name=str(raw.get("caller_name") or ""),
        caller_phone=str(raw.get("caller_phone") or ""),
        created_at=created_at,
        imported=True,
    )
    ticket.original_number = original_number
    state: str = TicketState.NEW
    events = []
    # The machine-readable column; a ledger exported before it had the same text under 处理过程.
    process = str(raw.get("process_code") or "")
    if not process and "@" in str(raw.get("process") or ""):
        process = str(raw["process"])
    for action, moment, text in _replay(process, row, line):
        # The system replays what people did: a move whose text was not kept is imported as it was.
        try:
            changes = apply_transition(
                Position(state, created_at), action, moment, SYSTEM, Fields(reason=text)
            )
        except IllegalTransition as exc:
            if exc.field == "at":
                raise ValueError(f"第 {line} 行：{action} 的时间早于报告时间") from exc
            raise
        for name, value in changes.fields.items():
            setattr(ticket, name, value)
        events += [TicketEvent(ticket=ticket, **e.columns()) for e in changes.events]
        state = changes.state
    TicketEvent.objects.bulk_create(events)
    ticket.state = state
    ticket.solution, ticket.root_cause = str(raw.get("solution") or ""), str(raw.get("root_cause") or "")
    ticket.rating = rating
    ticket.rating_comment = str(raw.get("rating_comment") or "")
    ticket.cancel_reason = str(raw.get("cancel_reason") or "")
    ticket.vendor_caused = str(raw.get("vendor_caused") or "") == "是"
    ticket.adverse_event = str(raw.get("adverse_event") or "") == "是"
    ticket.updated_at = max([created_at, *(e.at for e in events)])
    ticket.save()
    refresh_clocks(ticket, clocks=list(TicketClock.objects.filter(ticket=ticket)), events=events)
    return ticket.number
