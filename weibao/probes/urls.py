from django.urls import path

from . import views

app_name = "probes"

urlpatterns = [
    path("monitoring/", views.monitoring, name="monitoring"),
    path("monitoring/tokens/new/", views.token_create, name="token_create"),
    path("monitoring/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("monitoring/mappings/new/", views.mapping_create, name="mapping_create"),
    path("monitoring/mappings/<int:pk>/delete/", views.mapping_delete, name="mapping_delete"),
]
