from django.urls import path

from . import views

app_name = "records"

urlpatterns = [
    path("records/backups/", views.policy_list, name="policy_list"),
    path("records/backups/<int:pk>/", views.policy_detail, name="policy_detail"),
]
