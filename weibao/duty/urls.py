from django.urls import path

from . import views

app_name = "duty"

urlpatterns = [
    path("duty/", views.duty_home, name="duty_home"),
    path("duty/contract/<int:pk>/", views.contract_duty, name="contract_duty"),
    path("duty/plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("duty/shifts/<int:pk>/swap/", views.shift_swap, name="shift_swap"),
    path("duty/swaps/<int:pk>/decide/", views.swap_decide, name="swap_decide"),
    path("duty/feed/", views.feed_renew, name="feed_renew"),
    path("duty/ics/<str:token>.ics", views.ics_feed, name="ics"),
]
