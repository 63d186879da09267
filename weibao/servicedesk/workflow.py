"""The ticket workflow: one transition map, and what each move records. Pure: no database.

Each action moves a ticket from one of its ``sources`` to ``target`` and may record a clock
event (``responded`` stops the response clock, ``escalated_onsite`` starts the escalation on-site
clock, ``arrived`` stops the on-site clock, ``resolved`` stops the resolution clock).
``side`` says who may take it: the vendor's people (and the hospital's IT staff, who may act for
them), the hospital side (the reporter, the department, the hospital admin), either, or only the
system (the auto-close after the hospital's silence).

:func:`apply_transition` is the one place that decides what a move records: the new state, the
timeline rows, the clock events and the ticket's fields it sets. The service, the ledger import
(which replays a hospital's 处理过程) and the bench's data generator all call it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .choices import EventKind
from .choices import TicketState as S

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as StrPromise

# The sides a move is made by (``Transition.side``) ...
WORK = "work"  # vendor engineers/managers, hospital admins
HOSPITAL = "hospital"  # reporter, department users, hospital admins
ANY = "any"
SYSTEM = "system"  # the system alone: auto-close; as an actor, it may take every move
# ... and the sides an actor may be on besides those (``actor_side`` of apply_transition).
BOTH = "both"  # may act for the vendor and for the hospital (a hospital admin)
NOBODY = "nobody"  # on neither side of this ticket


@dataclass(frozen=True)
class Transition:
    action: str
    label: str | StrPromise  # translated when shown
    sources: frozenset[str]
    target: str
    side: str
    event: str | None = None
    requires: tuple[str, ...] = ()


def _t(
    action: str,
    label: str | StrPromise,
    sources: Iterable[str],
    target: str,
    side: str,
    event: str | None = None,
    requires: Iterable[str] = (),
) -> Transition:
    return Transition(action, label, frozenset(sources), target, side, event, tuple(requires))


_WORKING = {S.RESPONDED, S.IN_PROGRESS, S.ONSITE, S.REOPENED}

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("respond", _("响应"), {S.NEW}, S.RESPONDED, WORK, "responded"),
        _t("start", _("开始处理"), {S.NEW, S.RESPONDED, S.REOPENED}, S.IN_PROGRESS, WORK),
        _t(
            "require_onsite",
            _("需要到场"),
            {S.NEW, S.RESPONDED, S.IN_PROGRESS, S.REOPENED},
            S.ONSITE_REQUIRED,
            WORK,
            "escalated_onsite",
        ),
        _t("arrive", _("已到场"), {S.ONSITE_REQUIRED}, S.ONSITE, WORK, "arrived"),
        _t("hold", _("挂起"), _WORKING | {S.ONSITE_REQUIRED}, S.ON_HOLD, WORK, requires=("reason",)),
        _t(
            "wait_hospital",
            _("等待医院"),
            _WORKING | {S.ONSITE_REQUIRED},
            S.WAITING_HOSPITAL,
            WORK,
            requires=("reason",),
        ),
        _t("resume", _("继续处理"), {S.ON_HOLD, S.WAITING_HOSPITAL}, S.IN_PROGRESS, WORK),
        _t(
            "resolve",
            _("已解决"),
            {S.NEW, *_WORKING},
            S.RESOLVED,
            WORK,
            "resolved",
            ("solution", "root_cause"),
        ),
        _t("confirm", _("确认解决并评价"), {S.RESOLVED}, S.CLOSED, HOSPITAL, "closed", ("rating",)),
        _t("auto_close", _("超时自动关闭"), {S.RESOLVED}, S.CLOSED, SYSTEM, "closed"),
        _t("reopen", _("重新打开"), {S.RESOLVED, S.CLOSED}, S.REOPENED, HOSPITAL, "reopened", ("reason",)),
        _t(
            "cancel",
            _("取消"),
            {
                S.NEW,
                S.RESPONDED,
                S.IN_PROGRESS,
                S.ONSITE_REQUIRED,
                S.ONSITE,
                S.ON_HOLD,
                S.WAITING_HOSPITAL,
                S.REOPENED,
            },
            S.CANCELLED,
            ANY,
            "cancelled",
            ("reason",),
        ),
    ]
}


class IllegalTransition(ValueError):
    """A move the workflow does not allow: from the ticket's current state, at that time, with
    that rating. ``field`` names what was wrong (``action``, ``at``, ``rating``)."""

    def __init__(self, message: Any, *, field: str = "action") -> None:
        super().__init__(str(message))
        self.field = field


class NotYourMove(IllegalTransition):
    """A move the actor's side of the ticket may not make (a permission, not a state, matter)."""


def transition_for(state: str, action: str) -> Transition:
    """The transition for ``action`` from ``state``, or IllegalTransition with a clear message."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise IllegalTransition(_("未知的操作“%(a)s”。") % {"a": action})
    if state not in transition.sources:
        allowed = "、".join(str(t.label) for t in available_actions(state)) or _("无")
        raise IllegalTransition(
            _("工单当前为“%(s)s”，不能执行“%(a)s”。可执行：%(allowed)s。")
            % {"s": S(state).label, "a": transition.label, "allowed": allowed}
        )
    return transition


def available_actions(state: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if state in t.sources and t.side != SYSTEM]


def may_take(actor_side: str, side: str) -> bool:
    """Whether an actor on ``actor_side`` may make a move made by ``side``. The system takes every
    move (it closes, and it replays history); only the system takes its own."""
    if actor_side == SYSTEM:
        return True
    if side == ANY:
        return actor_side in (WORK, HOSPITAL, BOTH)
    if side in (WORK, HOSPITAL):
        return actor_side in (side, BOTH)
    return False


@dataclass(frozen=True)
class Position:
    """What a move needs to know of the ticket: where it stands, and since when it exists."""

    state: str
    created_at: datetime


@dataclass(frozen=True)
class Fields:
    """What the one making a move wrote. ``reason`` (挂起, 等待医院, 重新打开, 取消), ``solution`` and
    ``root_cause`` (已解决), ``rating`` of 1–5 and its ``comment`` (确认解决并评价); a ``comment``
    on any other move is kept in the timeline."""

    reason: str = ""
    solution: str = ""
    root_cause: str = ""
    rating: int | None = None
    comment: str = ""


@dataclass(frozen=True)
class Event:
    """A timeline row a move records (its ticket and actor are the caller's)."""

    at: datetime
    kind: str
    action: str = ""
    from_state: str = ""
    to_state: str = ""
    clock_event: str = ""
    body: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def columns(self) -> dict[str, Any]:
        """The row's columns, for ``TicketEvent(**columns)`` or a bulk insert."""
        return {
            "at": self.at,
            "kind": self.kind,
            "action": self.action,
            "from_state": self.from_state,
            "to_state": self.to_state,
            "clock_event": self.clock_event,
            "body": self.body,
            "data": self.data,
        }


@dataclass(frozen=True)
class Changes:
    """What a move records: the ticket's new ``state``, the other ticket ``fields`` it sets
    (``responded_at``, ``resolved_at``, ``solution``, ``root_cause``, ``closed_at``, ``rating``,
    ``rating_comment``, ``cancel_reason``), the timeline ``events`` in order, and the required
    fields left empty (``missing``): a person's move is refused for them, history is replayed
    as it was kept."""

    transition: Transition
    state: str
    fields: dict[str, Any]
    events: tuple[Event, ...]
    missing: tuple[str, ...] = ()

    @property
    def clock_events(self) -> tuple[str, ...]:
        """The clock events the move records (the clocks are computed from these)."""
        return tuple(e.clock_event for e in self.events if e.clock_event)


def apply_transition(ticket: Position, action: str, at: datetime, actor_side: str, fields: Fields) -> Changes:
    """Decide what ``action`` at ``at`` by someone on ``actor_side`` records on ``ticket``.

    Raises IllegalTransition for a move the workflow does not allow from the ticket's state, a
    rating outside 1–5 or a time before the ticket existed, and NotYourMove for a move of the
    other side. Leaving 新建 by any working move is also the response: an engineer who starts
    work or resolves at once has responded (a cancellation is not a response)."""
    move = transition_for(ticket.state, action)
    if not may_take(actor_side, move.side):
        raise NotYourMove(_("您不能对此工单执行“%(a)s”。") % {"a": move.label})
    rating = fields.rating
    if rating is not None and not 1 <= int(rating) <= 5:
        raise IllegalTransition(_("评价须为 1–5 分。"), field="rating")
    if at < ticket.created_at:
        raise IllegalTransition(_("时间不能早于工单创建时间。"), field="at")
    reason, solution, root_cause = fields.reason.strip(), fields.solution.strip(), fields.root_cause.strip()
    given = {"reason": reason, "solution": solution, "root_cause": root_cause, "rating": rating}
    before = ticket.state
    changed: dict[str, Any] = {}
    events: list[Event] = []
    if before == S.NEW and action != "cancel":
        changed["responded_at"] = at
        if move.event != "responded":
            body = gettext("随“%(a)s”视为已响应") % {"a": move.label}
            events.append(Event(at=at, kind=EventKind.SLA, clock_event="responded", body=body))
    if move.event == "resolved":
        changed.update(resolved_at=at, solution=solution, root_cause=root_cause)
    if move.target == S.CLOSED:
        changed["closed_at"] = at
        if rating is not None:
            changed.update(rating=int(rating), rating_comment=fields.comment)
    if action == "cancel":
        changed["cancel_reason"] = reason
    if action == "reopen":
        changed.update(resolved_at=None, closed_at=None)
    events.append(
        Event(
            at=at,
            kind=EventKind.TRANSITION,
            action=action,
            from_state=before,
            to_state=move.target,
            clock_event=move.event or "",
            body="\n".join(x for x in (reason, solution, fields.comment) if x),
            data={k: v for k, v in {"root_cause": root_cause, "rating": rating}.items() if v},
        )
    )
    return Changes(
        transition=move,
        state=move.target,
        fields=changed,
        events=tuple(events),
        missing=tuple(name for name in move.requires if not given.get(name)),
    )
