from django.urls import path

from . import views

app_name = "inspections"

urlpatterns = [
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/contract/<int:pk>/", views.contract_plan, name="contract_plan"),
]
