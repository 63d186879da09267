"""What the service desk's pages share: the list filter of a query string and the visible ticket by id."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from ..models import Ticket
from ..selectors import FilterError, TicketFilter


def ticket_filter(params: Any) -> TicketFilter:
    """The list filters of a page's query string; a value that can mean nothing is a 400."""
    try:
        return TicketFilter.from_params(params)
    except FilterError as exc:
        raise BadRequest(
            _("筛选条件“%(name)s”的值“%(value)s”无效：编号须为数字，日期须为存在的日期（如 2026-03-01）。")
            % {"name": exc.name, "value": exc.value}
        ) from exc


def visible_ticket(request: HttpRequest, pk: int) -> Ticket:
    ticket = (
        Ticket.objects.visible_to(request.user)
        .select_related(
            "contract__vendor",
            "hospital",
            "term",
            "severity",
            "system",
            "module",
            "department",
            "reporter",
            "assignee",
        )
        .filter(pk=pk)
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket
