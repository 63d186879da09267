from django.urls import path

from . import views

app_name = "contracts"

urlpatterns = [
    path("contracts/", views.contract_list, name="contract_list"),
    path("contracts/new/", views.contract_from_template, name="contract_new"),
    path("contracts/new/preview/", views.template_preview, name="template_preview"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract_detail"),
    path("contracts/terms/<int:pk>/edit/", views.term_edit, name="term_edit"),
    path("systems/", views.system_list, name="system_list"),
    path("systems/<int:pk>/", views.system_detail, name="system_detail"),
]
