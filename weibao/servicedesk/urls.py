from django.urls import path

from . import views

app_name = "servicedesk"

urlpatterns = [
    path("tickets/", views.ticket_list, name="ticket_list"),
    path("tickets/risk/", views.risk_board, name="risk_board"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("tickets/phone/", views.ticket_phone, name="ticket_phone"),
    path("tickets/export.xlsx", views.ticket_export, name="ticket_export"),
    path("tickets/import/", views.ticket_import, name="ticket_import"),
    path("tickets/filters/save/", views.saved_filter_save, name="saved_filter_save"),
    path("tickets/qr/", views.qr_sheet, name="qr_sheet"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket_detail"),
    path("tickets/<int:pk>/clocks/", views.ticket_clocks, name="ticket_clocks"),
    path("tickets/<int:pk>/act/", views.ticket_act, name="ticket_act"),
    path("tickets/<int:pk>/comment/", views.ticket_comment, name="ticket_comment"),
    path("tickets/<int:pk>/assign/", views.ticket_assign, name="ticket_assign"),
    path("tickets/<int:pk>/flag/", views.ticket_flag, name="ticket_flag"),
    path("tickets/<int:pk>/severity/", views.ticket_severity, name="ticket_severity"),
    path("tickets/<int:pk>/move/", views.ticket_move, name="ticket_move"),
    path("tickets/<int:pk>/watch/", views.ticket_watch, name="ticket_watch"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("m/report/", views.mobile_report, name="mobile_report"),
    path("m/tickets/<int:pk>/", views.mobile_status, name="mobile_status"),
    path("m/tickets/<int:pk>/done/", views.report_done, name="report_done"),
    path("data-changes/", views.data_change_list, name="data_change_list"),
    path("data-changes/new/", views.data_change_new, name="data_change_new"),
    path("data-changes/<int:pk>/", views.data_change_detail, name="data_change_detail"),
    path("change-requests/", views.change_request_list, name="change_request_list"),
    path("change-requests/new/", views.change_request_new, name="change_request_new"),
    path("change-requests/<int:pk>/", views.change_request_detail, name="change_request_detail"),
]
