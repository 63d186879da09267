from django.urls import path

from . import views

app_name = "probes"

urlpatterns = [
    path("monitoring/", views.monitoring, name="monitoring"),
    path("monitoring/tokens/new/", views.token_create, name="token_create"),
    path("monitoring/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("monitoring/mappings/new/", views.mapping_create, name="mapping_create"),
    path("monitoring/mappings/<int:pk>/delete/", views.mapping_delete, name="mapping_delete"),
    path("probes/", views.probe_list, name="probe_list"),
    path("probes/new/", views.probe_create, name="probe_create"),
    path("probes/contract/<int:pk>/", views.contract_probes, name="contract_probes"),
    path("probes/<int:pk>/", views.probe_detail, name="probe_detail"),
    path("probes/<int:pk>/edit/", views.probe_edit, name="probe_edit"),
    path("probes/<int:pk>/run/", views.probe_run, name="probe_run"),
    path("probes/<int:pk>/delete/", views.probe_delete, name="probe_delete"),
    path("metrics", views.metrics, name="metrics"),
]
