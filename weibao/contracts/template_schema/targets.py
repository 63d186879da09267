"""Targets: what a contract promises on one clock (response, on-site, resolution)."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from weibao.calendars.durations import Duration, parse_duration

from .scalars import Code, DurationText, _Model


class Target(_Model):
    """A promise on one clock: ``within: 4h``, ``immediate: true`` or ``workday_appointment: true``,
    always with the ``calendar`` the clock runs on."""

    within: DurationText | None = None
    immediate: bool = False
    workday_appointment: bool = False
    calendar: Code
    text: str | None = None
    #: What meets the promise when it is not the clock's usual event: ``remote_session`` for a
    #: response promised as remote service ("30分钟内通过堡垒机远程服务"), met when a remote session
    #: is started on the ticket (the service desk's ``remote_started`` event), not by 响应.
    met_by: Literal["remote_session"] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Target:
        given = (self.within is not None) + self.immediate + self.workday_appointment
        if given != 1:
            raise ValueError(
                "a target needs exactly one of 'within: <duration>', 'immediate: true' or "
                "'workday_appointment: true'"
            )
        if self.within is not None and parse_duration(self.within) == Duration():
            raise ValueError("a zero duration is not a target; write 'immediate: true' instead")
        return self

    @property
    def kind(self) -> str:
        if self.within is not None:
            return "within"
        return "immediate" if self.immediate else "workday_appointment"

    @property
    def duration(self) -> Duration | None:
        return parse_duration(self.within) if self.within is not None else None

    def compact(self) -> str:
        """``1h@7x24``, ``immediate@7x24``, ``appointment@5x8``."""
        head = {"within": self.within, "immediate": "immediate"}.get(self.kind, "appointment")
        return f"{head}@{self.calendar}"


class Escalation(_Model):
    """ "If phone/remote cannot solve it, on site within N": the on-site clock that starts when a
    ticket is escalated to on-site (state ``onsite_required``). Without ``within``/``immediate``
    the contract promises on-site service without a deadline."""

    within: DurationText | None = None
    immediate: bool = False
    calendar: Code | None = None
    text: str | None = None

    @model_validator(mode="after")
    def _timing(self) -> Escalation:
        timed = (self.within is not None) + self.immediate
        if timed > 1:
            raise ValueError("say either 'within: <duration>' or 'immediate: true', not both")
        if timed and self.calendar is None:
            raise ValueError("a timed escalation needs a 'calendar'")
        if not timed and self.calendar is not None:
            raise ValueError("'calendar' is given but no 'within' or 'immediate' deadline")
        if not timed and not self.text:
            raise ValueError("an escalation without a deadline must quote the seed in 'text'")
        return self

    @property
    def timed(self) -> bool:
        return self.within is not None or self.immediate

    def compact(self) -> str | None:
        if not self.timed:
            return None
        return f"{self.within or 'immediate'}@{self.calendar}"
