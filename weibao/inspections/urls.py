from django.urls import path

from . import views

app_name = "inspections"

urlpatterns = [
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/contract/<int:pk>/", views.contract_plan, name="contract_plan"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/start/", views.inspection_start, name="inspection_start"),
    path("inspections/<int:pk>/area-ok/", views.area_ok, name="area_ok"),
    path("inspections/<int:pk>/probes/", views.probes_refresh, name="probes_refresh"),
    path("inspections/<int:pk>/report/", views.report_produce, name="report_produce"),
    path("inspections/<int:pk>/findings/", views.inspection_findings, name="inspection_findings"),
    path("inspections/<int:pk>/sign/", views.inspection_sign, name="inspection_sign"),
    path("inspections/<int:pk>/signature/<slug:side>.png", views.signature_image, name="signature_image"),
    path("inspections/items/<int:pk>/", views.item_save, name="item_save"),
    path("inspections/items/<int:pk>/ticket/", views.item_ticket, name="item_ticket"),
    path("inspections/items/<int:pk>/photo/", views.item_photo, name="item_photo"),
]
