"""Alerts open one fault ticket, and note recovery on it.

A probe that goes CRIT, a Zabbix trigger or an Alertmanager alert calls :func:`alert_raise`; its
recovery calls :func:`alert_clear`. While an alert of a (source, key) is open at a hospital it
holds one ticket, opened through the service desk's own service under the contract in force that
covers the system, on that contract's fault term, channel 自动探测 and no actor (the system):

* raised again while open: nothing new, except a short timeline note at most once an hour, so a
  flapping monitor cannot flood the ticket;
* cleared: a timeline note 已恢复 on the ticket and the alert is closed; the ticket stays for the
  engineer to resolve (a recovery is a signal, not proof that the cause is fixed);
* raised again after it cleared: a new alert, and a new ticket.

Two raises at once still open one ticket: the alert row is claimed first under a partial unique
constraint (one open alert per hospital, source and key), so the second raise waits for the
first's transaction and then finds its ticket. Alert rows are not audited one by one (a monitor
may send many); the ticket they open and the notes they write are.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.contracts.models import Contract, MaintainedSystem, Module, Severity
from weibao.servicedesk import reporting, routing, services
from weibao.servicedesk.choices import TicketChannel
from weibao.servicedesk.models import Ticket

from .models import Alert

#: A repeated raise notes the ticket at most this often.
NOTE_EVERY = timedelta(hours=1)

#: Monitoring severities read as the contract's most severe fault class; the next words as its
#: second; anything else as its least severe (the hospital corrects it on the ticket).
_WORST = frozenset({"disaster", "critical", "crit", "fatal", "emergency"})
_BAD = frozenset({"high", "major", "error", "page"})


class NoContract(ValidationError):
    """No contract in force covers the system: the alert is kept without a ticket."""


def _contract_for(system: MaintainedSystem, at: datetime) -> Contract:
    found = routing.routes([system.hospital_id], at=at, system=system)
    if not found:
        raise NoContract(routing.no_route_message(None, system))
    return found[-1].contract  # the latest in force: a renewal over the contract it renews


def _severity_for(contract: Contract, word: str | None) -> Severity | None:
    """The contract's fault class for a monitor's severity word, when its fault term needs one."""
    term = reporting.report_term(contract)
    if term is None or not services.severity_required(contract, term):
        return None
    levels: list[Severity] = list(contract.severities.order_by("order"))
    w = (word or "").strip().lower()
    if w in _WORST:
        return levels[0]
    if w in _BAD:
        return levels[min(1, len(levels) - 1)]
    return levels[-1]


def _open_ticket(alert: Alert, system: MaintainedSystem, module: Module | None, at: datetime) -> Ticket:
    contract = _contract_for(system, at)
    term = reporting.report_term(contract)
    if term is None:
        raise NoContract(_("该合同没有服务项目，无法开单。"))
    source = alert.get_source_display()
    return services.ticket_create(
        actor=None,
        contract=contract,
        term=term,
        title=_("[%(src)s] %(sys)s：%(msg)s")
        % {"src": source, "sys": system.name, "msg": alert.message[:120]},
        description=alert.message,
        severity=_severity_for(contract, alert.severity),
        system=system,
        module=module,
        channel=TicketChannel.PROBE,
        created_at=at,
    )


def alert_raise(
    *,
    system: MaintainedSystem,
    module: Module | None = None,
    source: str,
    key: str,
    message: str,
    at: datetime | None = None,
    severity: str | None = None,
) -> Ticket:
    """Open one fault ticket for ``system`` while the alert ``(source, key)`` is open; return it.

    Raises :class:`NoContract` (and keeps nothing) when no contract in force covers the system."""
    at = at or timezone.now()
    if module is not None and module.system_id != system.pk:
        raise ValidationError({"module": _("模块不属于所选系统。")})
    with transaction.atomic():
        try:
            with transaction.atomic():
                alert = Alert.objects.create(
                    hospital_id=system.hospital_id,
                    system=system,
                    module=module,
                    source=source,
                    key=key[:200],
                    message=message,
                    severity=(severity or "")[:32],
                    raised_at=at,
                    last_seen_at=at,
                )
        except IntegrityError:
            alert = None
        if alert is not None:
            ticket = _open_ticket(alert, system, module, at)
            Alert.objects.filter(pk=alert.pk).update(ticket=ticket)
            return ticket
        # Already open: wait for the raise that opened it, then add at most an hourly note.
        alert = (
            Alert.objects.select_for_update()
            .filter(hospital_id=system.hospital_id, source=source, key=key[:200], cleared_at__isnull=True)
            .get()
        )
        if alert.ticket_id is None:
            # Kept earlier without a ticket (unmapped, or no contract then): try again now.
            ticket = _open_ticket(alert, system, module, at)
            Alert.objects.filter(pk=alert.pk).update(
                ticket=ticket, system=system, module=module, last_seen_at=at, message=message, note=""
            )
            return ticket
        ticket = Ticket.objects.get(pk=alert.ticket_id)
        fields = {"last_seen_at": at}
        last = alert.last_note_at or alert.raised_at
        if at - last >= NOTE_EVERY and message.strip():
            services.ticket_comment(actor=None, ticket=ticket, body=_("仍在告警：%(m)s") % {"m": message})
            fields["last_note_at"] = at
        Alert.objects.filter(pk=alert.pk).update(**fields)
        return ticket


def alert_clear(
    *,
    system: MaintainedSystem,
    source: str,
    key: str,
    message: str,
    at: datetime | None = None,
) -> Ticket | None:
    """Close the open alert ``(source, key)`` of ``system``'s hospital and note 已恢复 on its ticket
    (which stays open for the engineer). Returns the ticket; None when no such alert is open."""
    at = at or timezone.now()
    with transaction.atomic():
        alert = (
            Alert.objects.select_for_update()
            .filter(hospital_id=system.hospital_id, source=source, key=key[:200], cleared_at__isnull=True)
            .first()
        )
        if alert is None:
            return None
        Alert.objects.filter(pk=alert.pk).update(cleared_at=at, last_seen_at=at)
        if alert.ticket_id is None:
            return None
        ticket = Ticket.objects.get(pk=alert.ticket_id)
        body = _("已恢复：%(m)s") % {"m": message} if message.strip() else _("已恢复")
        services.ticket_comment(actor=None, ticket=ticket, body=body)
        return ticket


def alert_keep(
    *,
    hospital_id: int,
    source: str,
    key: str,
    message: str,
    note: str,
    system: MaintainedSystem | None = None,
    at: datetime | None = None,
    severity: str | None = None,
) -> Alert:
    """Keep an alert that opens no ticket (its host or labels map to no system, or no contract
    covers the system), with ``note`` saying why: shown to the hospital admin, never dropped. The
    same alert sent again updates the kept row."""
    at = at or timezone.now()
    key = key[:200]
    with transaction.atomic():
        try:
            with transaction.atomic():
                kept: Alert = Alert.objects.create(
                    hospital_id=hospital_id,
                    system=system,
                    source=source,
                    key=key,
                    message=message,
                    severity=(severity or "")[:32],
                    note=note[:200],
                    raised_at=at,
                    last_seen_at=at,
                )
                return kept
        except IntegrityError:
            alert: Alert = (
                Alert.objects.select_for_update()
                .filter(hospital_id=hospital_id, source=source, key=key, cleared_at__isnull=True)
                .get()
            )
            Alert.objects.filter(pk=alert.pk).update(last_seen_at=at, message=message, note=note[:200])
            alert.refresh_from_db()
            return alert


def alert_clear_kept(*, hospital_id: int, source: str, key: str, at: datetime | None = None) -> bool:
    """Close a kept alert (no system known) on its recovery; True if one was open."""
    at = at or timezone.now()
    return bool(
        Alert.objects.filter(
            hospital_id=hospital_id, source=source, key=key[:200], cleared_at__isnull=True
        ).update(cleared_at=at, last_seen_at=at)
    )
