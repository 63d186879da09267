"""Models of the service desk: tickets with their clocks and timeline; the records the seeds demand."""

from .records import ChangeRequest, DataChange
from .ticket import Attachment, SavedFilter, Ticket, TicketClock, TicketEvent, TicketSequence

__all__ = [
    "Attachment",
    "ChangeRequest",
    "DataChange",
    "SavedFilter",
    "Ticket",
    "TicketClock",
    "TicketEvent",
    "TicketSequence",
]
