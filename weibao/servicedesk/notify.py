"""Who hears about what happens to a ticket. Everything is handed to the notifications app,
which records and sends after the transaction commits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from weibao.accounts.choices import Role
from weibao.accounts.models import User
from weibao.calendars.selectors import schedule_by_code
from weibao.core.tasks import JobRef

from . import permissions
from .choices import OPEN_STATES, TicketState
from .models import Ticket, TicketClock

#: :func:`.tasks.check_ticket`, scheduled for a ticket's next warning or due (the check sends the
#: notices below and schedules the next one).
check_ticket: JobRef[[int]] = JobRef("servicedesk.check_ticket")

#: Inside :func:`batch`: the messages collected and the recipient lists looked up so far.
_batch: ContextVar[tuple[list[Any], dict[tuple[Any, ...], list[User]]] | None] = ContextVar(
    "notice_batch", default=None
)


@contextmanager
def batch() -> Iterator[None]:
    """Collect the notices sent inside and record them together at the end (one preference
    query, one insert of notifications and one of deliveries), looking each party's people up
    once: the scan's batches tell hundreds of tickets of a few contracts at a time."""
    from weibao.notifications.services import notify_many

    messages: list[Any] = []
    token = _batch.set((messages, {}))
    try:
        yield
    finally:
        _batch.reset(token)
    notify_many(messages)


def _send(event: str, ticket: Ticket, recipients: list[Any], title: str, body: str) -> None:
    from weibao.notifications.services import Message, notify_many

    people = {u.pk: u for u in recipients if u is not None and u.is_active}
    message = Message(
        event=event,
        recipients=tuple(people.values()),
        title=title,
        body=body,
        url=reverse("servicedesk:ticket_detail", args=[ticket.pk]),
        hospital=ticket.hospital,
        contract=ticket.contract,
        subject=subject_of(ticket),
    )
    current = _batch.get()
    if current is not None:
        current[0].append(message)
    else:
        notify_many([message])


def subject_of(ticket: Ticket) -> str:
    """How a ticket's notices name it (``Notification.subject``)."""
    return f"servicedesk.ticket:{ticket.pk}"


#: The notices that ask for an action, and the ticket states in which it is still wanted: once
#: the ticket moves to another state, :func:`settle` marks them done.
ACTION_WANTED_IN: dict[str, frozenset[str]] = {
    "ticket.resolved": frozenset({TicketState.RESOLVED}),  # 请确认…已解决
    "ticket.created": OPEN_STATES,
    "ticket.fatal": OPEN_STATES,
    "ticket.after_hours": OPEN_STATES,
    "ticket.assigned": OPEN_STATES,
    "ticket.reopen": OPEN_STATES,
    "sla.warning": OPEN_STATES,
}


def settle(ticket: Ticket) -> int:
    """Mark done the ticket's notices that no longer need action in its current state."""
    from weibao.notifications.services import notices_settle

    done = [event for event, states in ACTION_WANTED_IN.items() if ticket.state not in states]
    return notices_settle(subject=subject_of(ticket), events=done)


def _people(ticket: Ticket, *users: Any) -> list[Any]:
    """The named people of a ticket (its assignee, reporter, watchers) who may see it and so may
    hear about it: an assignee or watcher since moved to another organisation, a reporter whose
    membership ended, does not any more. (The role lists below are the contract's parties by
    construction.) Each person's memberships are read once per batch."""
    current = _batch.get()
    found = []
    for user in users:
        if user is None:
            continue
        if current is not None:
            user = current[1].setdefault(("user", user.pk), user)  # type: ignore[arg-type]
        if permissions.may_be_notified_of_ticket(user, ticket):
            found.append(user)
    return found


def _members(org_id: int, *roles: str) -> list[User]:
    current = _batch.get()
    key = (org_id, *roles)
    if current is not None and key in current[1]:
        return current[1][key]
    people = list(
        User.objects.filter(
            memberships__organization_id=org_id,
            memberships__role__in=roles,
            memberships__is_active=True,
            is_active=True,
        ).distinct()
    )
    if current is not None:
        current[1][key] = people
    return people


def vendor_managers(ticket: Ticket) -> list[User]:
    return _members(ticket.contract.vendor_id, Role.VENDOR_MANAGER)


def hospital_admins(ticket: Ticket) -> list[User]:
    return _members(ticket.hospital_id, Role.HOSPITAL_ADMIN)


#: Answers "who is on duty for this contract at this instant" (the duty rosters, an app above the
#: service desk, registers it in its ``ready()``); an empty answer means no shift covers the time.
OnDutyResolver = Callable[[Any, datetime], list[User]]
_on_duty_resolvers: list[OnDutyResolver] = []


def register_on_duty_resolver(resolver: OnDutyResolver) -> None:
    """Let an app above say who is on duty (see :func:`on_duty`)."""
    if resolver not in _on_duty_resolvers:
        _on_duty_resolvers.append(resolver)


def on_duty(ticket: Ticket, at: datetime | None = None) -> list[User]:
    """Who answers now: the engineers the duty roster puts on shift for the ticket's contract at
    ``at`` (the ticket's creation by default); when no roster covers that time, the vendor's
    managers and engineers, the contract's emergency contacts being roles on the vendor's side."""
    when = at or ticket.created_at
    for resolver in _on_duty_resolvers:
        people = _people(ticket, *resolver(ticket.contract, when))
        if people:
            return people
    return _members(ticket.contract.vendor_id, Role.VENDOR_MANAGER, Role.VENDOR_ENGINEER)


def _describe(ticket: Ticket) -> str:
    parts = [ticket.title, ticket.term.item if ticket.term_id else ""]
    if ticket.severity_id:
        parts.append(ticket.severity.label)
    if ticket.department_id:
        parts.append(ticket.department.name)
    return " · ".join(p for p in parts if p)


#: The outbox topic of ticket notices (see :mod:`weibao.notifications.outbox`).
TOPIC = "servicedesk.ticket"


def _payload(kind: str, ticket: Ticket, extra: dict[str, Any]) -> dict[str, Any]:
    return {"kind": kind, "ticket_id": ticket.pk, "extra": extra}


def _queue(kind: str, ticket: Ticket, **extra: Any) -> None:
    """Record the notice in the caller's transaction (the outbox); a worker works out who hears
    about it and what they read. The request that changed the ticket does not wait for
    recipients to be worked out, inboxes written and messages sent, and a process that dies
    after the commit loses nothing."""
    from weibao.notifications import outbox

    outbox.record(topic=TOPIC, payload=_payload(kind, ticket, extra))


def kick(notices: list[Any]) -> None:
    from weibao.notifications import outbox

    outbox.kick(notices)


def handle_notice(payload: dict[str, Any]) -> None:
    """Run by a worker for each notice of :data:`TOPIC`, in the transaction that deletes it."""
    from django.db import transaction

    ticket_id, extra = payload["ticket_id"], dict(payload.get("extra") or {})
    if wake_at := extra.pop("wake_at", None):
        when = datetime.fromisoformat(wake_at)
        transaction.on_commit(lambda: check_ticket.schedule(args=(ticket_id,), eta=when), robust=True)
    ticket = (
        Ticket.objects.filter(pk=ticket_id).select_related("contract", "hospital", "term", "severity").first()
    )
    if ticket is not None:
        deliver(payload["kind"], ticket, extra)


def deliver(kind: str, ticket: Ticket, extra: dict[str, Any]) -> None:
    """Who hears about ``kind`` and what they read."""
    actor = User.objects.filter(pk=extra.get("actor_id")).first() if extra.get("actor_id") else None
    if kind == "created":
        _created(ticket)
    elif kind == "assigned":
        _send(
            "ticket.assigned",
            ticket,
            _people(ticket, ticket.assignee),
            _("指派给您：%(n)s") % {"n": ticket.number},
            _describe(ticket),
        )
    elif kind == "transition":
        _transition(ticket, extra["action"])
    elif kind == "reply":
        _reply(ticket, actor, extra.get("body", ""))
    elif kind == "moved":
        _moved(ticket, extra)
    elif kind == "request":
        _request(ticket, extra["action"], actor)


def created_notice(ticket: Ticket, clocks: list[TicketClock]) -> Any:
    """The outbox row of a new ticket, for the report's batch insert (then :func:`kick` it). Its
    worker also schedules the check of the first deadline: one row per report, not two."""
    from weibao.notifications import outbox

    from .sla import next_wakeup

    when = next_wakeup(ticket, clocks)
    return outbox.notice(
        topic=TOPIC, payload=_payload("created", ticket, {"wake_at": when.isoformat() if when else None})
    )


def _created(ticket: Ticket) -> None:
    fatal = (
        ticket.severity_id is not None
        and ticket.severity.order == 0
        and ticket.contract.severities.count() > 1
    )
    after_hours = not schedule_by_code("5x8").is_open(ticket.created_at)
    if fatal or after_hours:
        # Two codes, so a group robot can subscribe to fatal faults alone.
        event, why = ("ticket.fatal", _("致命故障")) if fatal else ("ticket.after_hours", _("非工作时间报修"))
        _send(
            event,
            ticket,
            on_duty(ticket),
            _("【%(w)s】%(n)s") % {"w": why, "n": ticket.number},
            _describe(ticket),
        )
    else:
        _send(
            "ticket.created",
            ticket,
            _people(ticket, ticket.assignee) if ticket.assignee_id else vendor_managers(ticket),
            _("新工单 %(n)s") % {"n": ticket.number},
            _describe(ticket),
        )


def on_assigned(ticket: Ticket, clocks: list[TicketClock]) -> None:
    _queue("assigned", ticket)
    _schedule(ticket, clocks)


def on_transition(ticket: Ticket, action: str, actor: User | None, clocks: list[TicketClock]) -> None:
    settle(ticket)
    if action in ("resolve", "reopen", "confirm"):
        _queue("transition", ticket, action=action, actor_id=getattr(actor, "pk", None))
    _schedule(ticket, clocks)


def _transition(ticket: Ticket, action: str) -> None:
    if action == "resolve":
        if ticket.state != TicketState.RESOLVED:
            return  # confirmed or reopened before the notice went out: nothing left to confirm
        people = [*_people(ticket, ticket.reporter), *hospital_admins(ticket)]
        _send(
            "ticket.resolved",
            ticket,
            people,
            _("请确认：%(n)s 已解决") % {"n": ticket.number},
            ticket.solution[:500],
        )
    else:
        people = _people(ticket, ticket.assignee) if ticket.assignee_id else vendor_managers(ticket)
        verb = _("被重新打开") if action == "reopen" else _("已确认关闭")
        _send(f"ticket.{action}", ticket, people, f"{ticket.number} {verb}", _describe(ticket))


def on_request(ticket: Ticket, action: str, actor: User | None) -> None:
    """The vendor asked the hospital to agree to a move (取消, 挂起, 等待医院): the reporter and the
    hospital's admins are asked to answer."""
    _queue("request", ticket, action=action, actor_id=getattr(actor, "pk", None))


def _request(ticket: Ticket, action: str, actor: User | None) -> None:
    from .workflow import REQUEST_LABELS

    if ticket.pending_action != action:
        return  # answered (or withdrawn by another move) before the notice went out
    who = str(actor) if actor is not None else _("处理方")
    _send(
        "ticket.request",
        ticket,
        [*_people(ticket, ticket.reporter), *hospital_admins(ticket)],
        _("请确认：%(who)s%(what)s（%(n)s）")
        % {"who": who, "what": REQUEST_LABELS.get(action, action), "n": ticket.number},
        ticket.pending_reason[:500],
    )


def on_moved(
    ticket: Ticket, *, from_vendor_id: int, from_contract: str, reason: str, clocks: list[TicketClock]
) -> None:
    """The hospital moved the ticket to another contract: both vendors hear of it."""
    _queue("moved", ticket, from_vendor_id=from_vendor_id, from_contract=from_contract, reason=reason[:500])
    _schedule(ticket, clocks)


def _moved(ticket: Ticket, extra: dict[str, Any]) -> None:
    body = _("原因：%(r)s") % {"r": extra.get("reason", "")}
    _send(
        "ticket.moved",
        ticket,
        [*vendor_managers(ticket), *_people(ticket, ticket.assignee)],
        _("工单 %(n)s 已由医院转入贵方合同：%(c)s") % {"n": ticket.number, "c": ticket.contract.title},
        " · ".join(p for p in (_describe(ticket), body) if p),
    )
    if extra.get("from_vendor_id") and extra["from_vendor_id"] != ticket.contract.vendor_id:
        _send(
            "ticket.moved",
            ticket,
            _members(extra["from_vendor_id"], Role.VENDOR_MANAGER),
            _("工单 %(n)s 已由医院转至其他厂商的合同，贵方无需再处理") % {"n": ticket.number},
            body,
        )


def on_reply(ticket: Ticket, actor: User | None, event: Any) -> None:
    _queue("reply", ticket, actor_id=getattr(actor, "pk", None), body=event.body[:500])


def _reply(ticket: Ticket, actor: User | None, body: str) -> None:
    people = _people(ticket, ticket.reporter, ticket.assignee, *ticket.watchers.all())
    recipients = [p for p in people if actor is None or p.pk != actor.pk]
    _send("ticket.reply", ticket, recipients, _("%(n)s 有新回复") % {"n": ticket.number}, body)


def sla_warning(ticket: Ticket, clock: TicketClock) -> None:
    people = _people(ticket, ticket.assignee) if ticket.assignee_id else vendor_managers(ticket)
    _send(
        "sla.warning",
        ticket,
        people,
        _("%(n)s 的%(k)s时限已用 75%%") % {"n": ticket.number, "k": clock.get_kind_display()},
        _("到期：%(d)s")
        % {"d": clock.due_at.astimezone().strftime("%Y-%m-%d %H:%M") if clock.due_at else "—"},
    )


def sla_breached(ticket: Ticket, clock: TicketClock) -> None:
    _send(
        "sla.breached",
        ticket,
        [*vendor_managers(ticket), *hospital_admins(ticket), *_people(ticket, ticket.assignee)],
        _("【超时】%(n)s 的%(k)s时限已超") % {"n": ticket.number, "k": clock.get_kind_display()},
        _describe(ticket),
    )


def _schedule(ticket: Ticket, clocks: list[TicketClock]) -> None:
    """Queue a check of this ticket exactly when its next warning or due falls, so no polling
    interval is needed for correctness (the periodic scan is the safety net)."""
    from django.db import transaction

    from .sla import next_wakeup

    when = next_wakeup(ticket, clocks)
    if when is not None:
        transaction.on_commit(lambda: check_ticket.schedule(args=(ticket.pk,), eta=when))
