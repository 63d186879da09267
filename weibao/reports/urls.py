from django.urls import path

from . import views, views_money

app_name = "reports"

urlpatterns = [
    path("deliverables/", views.deliverable_list, name="deliverable_list"),
    path("deliverables/contract/<int:pk>/", views.contract_deliverables, name="contract_deliverables"),
    path("deliverables/contract/<int:pk>/produce/", views.deliverable_produce, name="deliverable_produce"),
    path("deliverables/contract/<int:pk>/sign/", views.deliverable_sign, name="deliverable_sign"),
    path("money/", views_money.money_list, name="money"),
    path("money/year/", views_money.money_year, name="money_year"),
]
