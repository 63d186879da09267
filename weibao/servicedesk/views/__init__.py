"""Pages of the service desk, one module per part of it."""

from .home import home_panel
from .records import change_request_list, data_change_detail, data_change_list
from .report import mobile_report, mobile_status, qr_sheet, ticket_new, ticket_phone
from .tickets import (
    attachment_download,
    risk_board,
    saved_filter_save,
    ticket_act,
    ticket_assign,
    ticket_clocks,
    ticket_comment,
    ticket_detail,
    ticket_export,
    ticket_flag,
    ticket_import,
    ticket_list,
    ticket_move,
    ticket_watch,
)

__all__ = [
    "attachment_download",
    "change_request_list",
    "data_change_detail",
    "data_change_list",
    "home_panel",
    "mobile_report",
    "mobile_status",
    "qr_sheet",
    "risk_board",
    "saved_filter_save",
    "ticket_act",
    "ticket_assign",
    "ticket_clocks",
    "ticket_comment",
    "ticket_detail",
    "ticket_export",
    "ticket_flag",
    "ticket_import",
    "ticket_list",
    "ticket_move",
    "ticket_new",
    "ticket_phone",
    "ticket_watch",
]
