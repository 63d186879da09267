from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.inbox, name="inbox"),
    path("notifications/badge/", views.badge, name="badge"),
    path("notifications/read-all/", views.mark_all_read, name="mark_all_read"),
    path("notifications/preferences/", views.preferences, name="preferences"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification_open"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/robots/", views.robot_list, name="robot_list"),
    path("notifications/robots/new/", views.robot_create, name="robot_create"),
    path("notifications/robots/<int:pk>/", views.robot_edit, name="robot_edit"),
    path("notifications/robots/<int:pk>/deactivate/", views.robot_deactivate, name="robot_deactivate"),
    path("notifications/robots/<int:pk>/test/", views.robot_test, name="robot_test"),
]
