from django.urls import path

from . import views, views_switchover

app_name = "records"

urlpatterns = [
    path("records/backups/", views.policy_list, name="policy_list"),
    path("records/backups/new/", views.policy_new, name="policy_new"),
    path("records/backups/<int:pk>/", views.policy_detail, name="policy_detail"),
    path("records/backups/<int:pk>/edit/", views.policy_edit, name="policy_edit"),
    path("records/contract/<int:pk>/", views.contract_records, name="contract_records"),
    path("records/contract/<int:pk>/minutes/new/", views.minutes_new, name="minutes_new"),
    path("records/contract/<int:pk>/tuning/new/", views.tuning_new, name="tuning_new"),
    path("records/minutes/<int:pk>/edit/", views.minutes_edit, name="minutes_edit"),
    path("records/tuning/<int:pk>/edit/", views.tuning_edit, name="tuning_edit"),
    path(
        "records/action/<int:pk>/change-request/",
        views.action_to_change_request,
        name="action_to_change_request",
    ),
    path("records/switchovers/", views_switchover.switchover_list, name="switchover_list"),
    path(
        "records/contract/<int:pk>/switchovers/new/", views_switchover.switchover_new, name="switchover_new"
    ),
    path("records/switchovers/<int:pk>/", views_switchover.switchover_detail, name="switchover_detail"),
    path("records/switchovers/<int:pk>/edit/", views_switchover.switchover_edit, name="switchover_edit"),
    path(
        "records/switchovers/<int:pk>/items/",
        views_switchover.switchover_item_add,
        name="switchover_item_add",
    ),
    path(
        "records/switchovers/<int:pk>/checks/",
        views_switchover.switchover_check_add,
        name="switchover_check_add",
    ),
    path("records/switchovers/<int:pk>/sign/", views_switchover.switchover_sign, name="switchover_sign"),
    path("records/switchovers/<int:pk>/print/", views_switchover.switchover_print, name="switchover_print"),
    path(
        "records/switchover-items/<int:pk>/",
        views_switchover.switchover_item_update,
        name="switchover_item_update",
    ),
]
