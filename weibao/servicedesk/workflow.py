"""The ticket workflow: one transition map. Pure: no database.

Each action moves a ticket from one of its ``sources`` to ``target`` and may record a clock
event (``responded`` stops the response clock, ``escalated_onsite`` starts the escalation on-site
clock, ``arrived`` stops the on-site clock, ``resolved`` stops the resolution clock).
``side`` says who may take it: the vendor's people (and the hospital's IT staff, who may act for
them), the hospital side (the reporter, the department, the hospital admin), or either.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .choices import TicketState as S

WORK = "work"  # vendor engineers/managers, hospital admins
HOSPITAL = "hospital"  # reporter, department users, hospital admins
ANY = "any"


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset[str]
    target: str
    side: str
    event: str | None = None
    requires: tuple[str, ...] = ()


def _t(action, label, sources, target, side, event=None, requires=()):
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
        _t("auto_close", _("超时自动关闭"), {S.RESOLVED}, S.CLOSED, "system", "closed"),
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
    """A move the workflow does not allow from the ticket's current state."""


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
    return [t for t in TRANSITIONS.values() if state in t.sources and t.side != "system"]
