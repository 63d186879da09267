"""The ticket workflow: one transition map, and one table of who moves which clock. Pure: no database.

Each action moves a ticket from one of its ``sources`` to ``target`` and may record a clock
event (``responded`` stops the response clock, ``escalated_onsite`` starts the escalation on-site
clock, ``arrived`` stops the on-site clock, ``resolved`` stops the resolution clock; ``on_hold``
and ``waiting_hospital`` pause the clocks the contract's clock rules pause there).

:data:`WHO` says, per move and per kind of actor, whether that actor may make it, and whether it
is made at once or asked of the hospital. The actors are the contract vendor's people (engineers
and managers), the hospital's admins (信息科), the hospital's other people (the reporter and the
ticket's department) and the system (auto-close, and the replay of history).

Why it reads as it does:

- The response, on-site and resolution clocks measure the vendor. Only the vendor's side meets
  them: a hospital admin does not take the vendor's working moves (响应, 开始处理, 需要到场,
  已到场, 挂起, 等待医院, 已解决) at all. A hospital that could click 响应 for the vendor would
  turn a late vendor into a punctual one on paper; and a move that changed the state without
  meeting the clock (the other choice) would leave a ticket 已响应 whose response is still due.
  The hospital's own moves are its decisions: confirm, reopen, cancel, agree or refuse a request,
  and resume a paused ticket (the hospital saying the wait is over restarts the clocks).
- A vendor's cancellation is a request the hospital confirms: the clocks keep running until it
  does, so cancelling cannot erase a late ticket. The hospital's cancellation is immediate.
- A vendor's pause (挂起, 等待医院) is made at once only where it pauses no clock, or where the
  contract's clock rules give the vendor that pause (``vendor_may_pause``) and the ticket is not
  of the contract's highest severity (致命): otherwise it is a request the hospital agrees to,
  and the clock runs until it does. :class:`Position` carries the states that need agreement.
- The system takes every move at once: it closes after the hospital's silence and it replays
  history the hospital kept (the ledger import) or the bench generates.

:func:`apply_transition` is the one place that decides what a move records: the new state, the
timeline rows, the clock events, the pending request and the ticket's fields it sets. The
service, the ledger import and the bench's data generator all call it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from .choices import OPEN_STATES, EventKind
from .choices import TicketState as S

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as StrPromise

# The kinds of actor (``actor`` of apply_transition).
VENDOR = "vendor"  # the contract vendor's engineers and managers
HOSPITAL_ADMIN = "hospital_admin"  # the hospital's IT staff (信息科)
HOSPITAL_USER = "hospital_user"  # the reporter and the ticket's department users
SYSTEM = "system"  # the system: auto-close, the ledger import, the bench
NOBODY = "nobody"  # on neither side of this ticket
ACTORS = (VENDOR, HOSPITAL_ADMIN, HOSPITAL_USER, SYSTEM)

# What an actor's move does.
MAY = "may"  # the move is made at once, with its clock effect
ASKS = "asks"  # the move is asked of the hospital; nothing moves (the clocks run) until it agrees
PAUSE = "pause"  # made at once where the contract lets the vendor pause alone (see Position); else asked
NO = "no"  # refused

# What a move does to the clocks.
STOPS_RESPONSE = "stops response"
STARTS_ONSITE = "starts on-site"  # the escalation on-site clock ("远程不能解决时 N 小时内到场")
STOPS_ONSITE = "stops on-site"
PAUSES = "pauses"  # the clocks the contract's clock rules pause in the target state
RESUMES = "resumes"
STOPS_RESOLUTION = "stops resolution"
CLOSES = "closes"
RESTARTS = "restarts resolution"
ENDS = "ends every running clock"  # 不适用 for the clocks not yet met or breached
AS_ASKED = "as the move asked"
NONE = "none"

#: Who moves which clock: per move, its effect on the clocks and what each kind of actor may do.
#: Leaving 新建 by any working move is also the response (an engineer who starts work or resolves
#: at once has responded).
#:
#:   move              clock effect       vendor  hospital admin  hospital user  system
WHO: dict[str, tuple[str, str, str, str, str]] = {
    "respond": (STOPS_RESPONSE, MAY, NO, NO, MAY),
    "start": (NONE, MAY, NO, NO, MAY),
    "require_onsite": (STARTS_ONSITE, MAY, NO, NO, MAY),
    "arrive": (STOPS_ONSITE, MAY, NO, NO, MAY),
    "hold": (PAUSES, PAUSE, NO, NO, MAY),
    "wait_hospital": (PAUSES, PAUSE, NO, NO, MAY),
    "resume": (RESUMES, MAY, MAY, NO, MAY),
    "resolve": (STOPS_RESOLUTION, MAY, NO, NO, MAY),
    "confirm": (CLOSES, NO, MAY, MAY, MAY),
    "auto_close": (CLOSES, NO, NO, NO, MAY),
    "reopen": (RESTARTS, NO, MAY, MAY, MAY),
    "cancel": (ENDS, ASKS, MAY, MAY, MAY),
    "agree": (AS_ASKED, NO, MAY, MAY, MAY),
    "refuse": (NONE, NO, MAY, MAY, MAY),
}


def rule(action: str, actor: str) -> str:
    """What ``actor`` may do about ``action`` (:data:`MAY`, :data:`ASKS`, :data:`PAUSE`, :data:`NO`)."""
    row = WHO.get(action)
    if row is None or actor not in ACTORS:
        return NO
    return row[1 + ACTORS.index(actor)]


def clock_effect(action: str) -> str:
    return WHO[action][0]


@dataclass(frozen=True)
class Transition:
    action: str
    label: str | StrPromise  # translated when shown
    sources: frozenset[str]
    target: str
    event: str | None = None
    requires: tuple[str, ...] = ()

    def rule_for(self, actor: str) -> str:
        return rule(self.action, actor)


def _t(
    action: str,
    label: str | StrPromise,
    sources: Iterable[str],
    target: str,
    event: str | None = None,
    requires: Iterable[str] = (),
) -> Transition:
    return Transition(action, label, frozenset(sources), target, event, tuple(requires))


_WORKING = {S.RESPONDED, S.IN_PROGRESS, S.ONSITE, S.REOPENED}
#: The moves that answer a request rather than move the ticket themselves.
ANSWERS = ("agree", "refuse")

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("respond", pgettext_lazy("ticket action", "响应"), {S.NEW}, S.RESPONDED, "responded"),
        _t("start", _("开始处理"), {S.NEW, S.RESPONDED, S.REOPENED}, S.IN_PROGRESS),
        _t(
            "require_onsite",
            _("需要到场"),
            {S.NEW, S.RESPONDED, S.IN_PROGRESS, S.REOPENED},
            S.ONSITE_REQUIRED,
            "escalated_onsite",
        ),
        _t("arrive", pgettext_lazy("ticket action", "已到场"), {S.ONSITE_REQUIRED}, S.ONSITE, "arrived"),
        _t(
            "hold",
            pgettext_lazy("ticket action", "挂起"),
            _WORKING | {S.ONSITE_REQUIRED},
            S.ON_HOLD,
            requires=("reason",),
        ),
        _t(
            "wait_hospital",
            pgettext_lazy("ticket action", "等待医院"),
            _WORKING | {S.ONSITE_REQUIRED},
            S.WAITING_HOSPITAL,
            requires=("reason",),
        ),
        _t("resume", _("继续处理"), {S.ON_HOLD, S.WAITING_HOSPITAL}, S.IN_PROGRESS),
        _t(
            "resolve",
            pgettext_lazy("ticket action", "已解决"),
            {S.NEW, *_WORKING},
            S.RESOLVED,
            "resolved",
            ("solution", "root_cause"),
        ),
        _t("confirm", _("确认解决并评价"), {S.RESOLVED}, S.CLOSED, "closed", ("rating",)),
        _t("auto_close", _("超时自动关闭"), {S.RESOLVED}, S.CLOSED, "closed"),
        _t(
            "reopen",
            pgettext_lazy("ticket action", "重新打开"),
            {S.RESOLVED, S.CLOSED},
            S.REOPENED,
            "reopened",
            ("reason",),
        ),
        _t(
            "cancel",
            pgettext_lazy("ticket action", "取消"),
            OPEN_STATES,
            S.CANCELLED,
            "cancelled",
            ("reason",),
        ),
        # Answers to the vendor's request (see WHO): only while one is pending.
        _t("agree", _("同意"), OPEN_STATES, ""),
        _t("refuse", _("拒绝"), OPEN_STATES, ""),
    ]
}

#: How a pending request reads, for the hospital and for the vendor who asked.
REQUEST_LABELS: dict[str, str | StrPromise] = {
    "cancel": _("申请取消"),
    "hold": _("申请挂起"),
    "wait_hospital": _("申请等待医院"),
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


def available_actions(state: str, actor: str | None = None, pending: str = "") -> list[Transition]:
    """The moves from ``state`` that a person (``actor``: of that kind) may make or ask for;
    the answers to a request only while one is ``pending``."""
    return [
        t
        for t in TRANSITIONS.values()
        if state in t.sources
        and (t.action not in ANSWERS or pending)
        and any(rule(t.action, kind) != NO for kind in (VENDOR, HOSPITAL_ADMIN, HOSPITAL_USER))
        and (actor is None or rule(t.action, actor) != NO)
    ]


@dataclass(frozen=True)
class Position:
    """What a move needs to know of the ticket: where it stands, since when it exists, the
    vendor's request pending the hospital's answer (``pending`` the move asked, its ``reason``,
    who asked as the timeline names them) and the states a vendor may not enter without the
    hospital's agreement because a clock of this ticket pauses there (:func:`.sla.pauses_needing_agreement`)."""

    state: str
    created_at: datetime
    pending: str = ""
    pending_reason: str = ""
    pending_by: str = ""
    needs_agreement: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Offer:
    """A move offered to one person on the ticket page or in the API: made at once, or asked."""

    action: str
    label: str | StrPromise
    requires: tuple[str, ...]
    asks: bool


def offers(ticket: Position, actor: str) -> list[Offer]:
    """The moves ``actor`` may make or ask for from where ``ticket`` stands (not the answers to
    a request: the page shows those with the request)."""
    return [
        Offer(
            t.action,
            REQUEST_LABELS[t.action] if asks(t, actor, ticket) else t.label,
            t.requires,
            asks(t, actor, ticket),
        )
        for t in available_actions(ticket.state, actor)
        if t.action not in ANSWERS
    ]


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
    ``rating_comment``, ``cancel_reason``, the ``pending_*`` request), the timeline ``events`` in
    order, the required fields left empty (``missing``: a person's move is refused for them,
    history is replayed as it was kept) and, for a move asked of the hospital, ``requested``."""

    transition: Transition
    state: str
    fields: dict[str, Any]
    events: tuple[Event, ...]
    missing: tuple[str, ...] = ()
    requested: str = ""

    @property
    def clock_events(self) -> tuple[str, ...]:
        """The clock events the move records (the clocks are computed from these)."""
        return tuple(e.clock_event for e in self.events if e.clock_event)


_NO_REQUEST = {"pending_action": "", "pending_reason": "", "pending_at": None}


def asks(move: Transition, actor: str, ticket: Position) -> bool:
    """Whether ``actor``'s ``move`` on ``ticket`` would be a request the hospital answers."""
    decided = rule(move.action, actor)
    return decided == ASKS or (decided == PAUSE and move.target in ticket.needs_agreement)


def apply_transition(ticket: Position, action: str, at: datetime, actor: str, fields: Fields) -> Changes:
    """Decide what ``action`` at ``at`` by an ``actor`` of that kind records on ``ticket``.

    Raises IllegalTransition for a move the workflow does not allow from the ticket's state (or
    an answer with no request pending), a rating outside 1–5 or a time before the ticket
    existed, and NotYourMove for a move :data:`WHO` does not give the actor. A move the actor
    may only ask for records the request and leaves the state (and so the clocks) as they are."""
    move = transition_for(ticket.state, action)
    if rule(action, actor) == NO:
        raise NotYourMove(_("您不能对此工单执行“%(a)s”。") % {"a": move.label})
    if fields.rating is not None and not 1 <= int(fields.rating) <= 5:
        raise IllegalTransition(_("评价须为 1–5 分。"), field="rating")
    if at < ticket.created_at:
        raise IllegalTransition(_("时间不能早于工单创建时间。"), field="at")
    if action in ANSWERS:
        return _answer(ticket, move, at, fields)
    if asks(move, actor, ticket):
        return _request(ticket, move, at, fields)
    return _move(ticket, move, at, fields)


def _request(ticket: Position, move: Transition, at: datetime, fields: Fields) -> Changes:
    reason = fields.reason.strip()
    body = "\n".join(x for x in (reason, fields.comment.strip()) if x)
    event = Event(
        at=at,
        kind=EventKind.REQUEST,
        action=move.action,
        from_state=ticket.state,
        body=body,
        data={"request": move.action},
    )
    return Changes(
        transition=move,
        state=ticket.state,
        fields={"pending_action": move.action, "pending_reason": reason, "pending_at": at},
        events=(event,),
        missing=tuple(name for name in move.requires if name == "reason" and not reason),
        requested=move.action,
    )


def _answer(ticket: Position, answer: Transition, at: datetime, fields: Fields) -> Changes:
    if not ticket.pending:
        raise IllegalTransition(_("此工单没有待医院确认的申请。"))
    asked = transition_for(ticket.state, ticket.pending)
    if answer.action == "refuse":
        body = "\n".join(x for x in (fields.reason.strip(), fields.comment.strip()) if x)
        event = Event(
            at=at,
            kind=EventKind.REQUEST,
            action="refuse",
            from_state=ticket.state,
            body=body,
            data={"refused": asked.action, "requested_by": ticket.pending_by},
        )
        return Changes(transition=answer, state=ticket.state, fields=dict(_NO_REQUEST), events=(event,))
    agreed = _move(ticket, asked, at, Fields(reason=ticket.pending_reason, comment=fields.comment))
    last = agreed.events[-1]
    marked = Event(
        **{
            **last.columns(),
            "data": {**last.data, "agreed": True, "requested_by": ticket.pending_by},
        }
    )
    return Changes(
        transition=asked,
        state=agreed.state,
        fields=agreed.fields,
        events=(*agreed.events[:-1], marked),
    )


def _move(ticket: Position, move: Transition, at: datetime, fields: Fields) -> Changes:
    action = move.action
    rating = fields.rating
    reason, solution, root_cause = fields.reason.strip(), fields.solution.strip(), fields.root_cause.strip()
    given = {"reason": reason, "solution": solution, "root_cause": root_cause, "rating": rating}
    before = ticket.state
    changed: dict[str, Any] = dict(_NO_REQUEST) if ticket.pending else {}
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
