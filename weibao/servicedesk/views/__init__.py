"""Pages of the service desk, one module per part of it."""

from .home import home_panel
from .records import (
    change_request_detail,
    change_request_list,
    change_request_new,
    data_change_detail,
    data_change_list,
    data_change_new,
)
from .report import mobile_report, mobile_status, qr_sheet, report_done, ticket_new, ticket_phone
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
    ticket_severity,
    ticket_watch,
)

__all__ = [
    "attachment_download",
    "change_request_detail",
    "change_request_list",
    "change_request_new",
    "data_change_detail",
    "data_change_list",
    "data_change_new",
    "home_panel",
    "mobile_report",
    "mobile_status",
    "qr_sheet",
    "report_done",
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
    "ticket_new",
    "ticket_phone",
    "ticket_severity",
    "ticket_watch",
]
