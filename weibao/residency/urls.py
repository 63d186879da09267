from django.urls import path

from . import views

app_name = "residency"

urlpatterns = [
    path("residency/", views.home, name="home"),
    path("residency/contract/<int:pk>/", views.contract_team, name="contract_team"),
    path("residency/contract/<int:pk>/attendance/", views.contract_attendance, name="contract_attendance"),
    path("residency/member/<int:pk>/decide/", views.member_decide, name="member_decide"),
    path("residency/member/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("residency/member/<int:pk>/check/", views.member_check, name="member_check"),
    path("residency/member/<int:pk>/leave/", views.leave_new, name="leave_new"),
    path("residency/member/<int:pk>/evaluate/", views.evaluate, name="evaluate"),
    path("residency/member/<int:pk>/certificate/", views.certificate_add, name="certificate_add"),
    path("residency/leave/<int:pk>/decide/", views.leave_decide, name="leave_decide"),
]
