from django.urls import path

from . import service_report_views as sr
from . import views, views_money

app_name = "reports"

urlpatterns = [
    path("deliverables/", views.deliverable_list, name="deliverable_list"),
    path("deliverables/contract/<int:pk>/", views.contract_deliverables, name="contract_deliverables"),
    path("deliverables/contract/<int:pk>/produce/", views.deliverable_produce, name="deliverable_produce"),
    path("deliverables/contract/<int:pk>/sign/", views.deliverable_sign, name="deliverable_sign"),
    path("money/", views_money.money_list, name="money"),
    path("money/year/", views_money.money_year, name="money_year"),
    path("service-reports/", sr.service_report_list, name="service_report_list"),
    path("service-reports/new/", sr.service_report_new, name="service_report_new"),
    path("service-reports/contract/<int:pk>/", sr.contract_service_reports, name="contract_service_reports"),
    path("service-reports/<int:pk>/", sr.service_report_detail, name="service_report_detail"),
    path("service-reports/<int:pk>/edit/", sr.service_report_edit, name="service_report_edit"),
    path("service-reports/<int:pk>/sign/", sr.service_report_sign, name="service_report_sign"),
    path("service-reports/<int:pk>/print/", sr.service_report_print, name="service_report_print"),
    path(
        "service-reports/<int:pk>/signature.png", sr.service_report_signature, name="service_report_signature"
    ),
]
