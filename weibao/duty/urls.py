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
    path("emergency/", views.emergency_home, name="emergency_home"),
    path("emergency/new/", views.emergency_new, name="emergency_new"),
    path("emergency/contract/<int:pk>/incidents/new/", views.incident_new, name="incident_new"),
    path("emergency/contract/<int:pk>/plans/new/", views.emergency_plan_new, name="emergency_plan_new"),
    path("emergency/incidents/<int:pk>/", views.incident_detail, name="incident_detail"),
    path("emergency/incidents/<int:pk>/edit/", views.incident_edit, name="incident_edit"),
    path("emergency/incidents/<int:pk>/sign/", views.incident_sign, name="incident_sign"),
    path("emergency/incidents/<int:pk>/print/", views.incident_print, name="incident_print"),
    path("emergency/plans/<int:pk>/", views.emergency_plan_detail, name="emergency_plan_detail"),
    path("emergency/plans/<int:pk>/revise/", views.emergency_plan_revise, name="emergency_plan_revise"),
    path("emergency/plans/<int:pk>/drills/new/", views.drill_new, name="drill_new"),
    path("emergency/drills/<int:pk>/edit/", views.drill_edit, name="drill_edit"),
    path("remote/", views.remote_list, name="remote_list"),
    path("remote/new/", views.remote_request, name="remote_request"),
    path("remote/<int:pk>/", views.remote_detail, name="remote_detail"),
    path("remote/<int:pk>/act/", views.remote_act, name="remote_act"),
    path("remote/system/<int:pk>/", views.remote_system, name="remote_system"),
]
