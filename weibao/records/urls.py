from django.urls import path

from . import views

app_name = "records"

urlpatterns = [
    path("records/backups/", views.policy_list, name="policy_list"),
    path("records/backups/<int:pk>/", views.policy_detail, name="policy_detail"),
    path("records/contract/<int:pk>/", views.contract_records, name="contract_records"),
    path(
        "records/action/<int:pk>/change-request/",
        views.action_to_change_request,
        name="action_to_change_request",
    ),
]
