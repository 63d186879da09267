from django.urls import path

from . import views

app_name = "calendars"

urlpatterns = [
    path("calendars/", views.calendar_list, name="calendar_list"),
    path("calendars/new/", views.calendar_create, name="calendar_create"),
    path("calendars/holidays/", views.holiday_list, name="holiday_list"),
    path("calendars/holidays/<int:year>/", views.holiday_year, name="holiday_year"),
    path("calendars/<str:code>/", views.calendar_detail, name="calendar_detail"),
    path("calendars/<str:code>/edit/", views.calendar_edit, name="calendar_edit"),
    path("calendars/<str:code>/due/", views.calendar_due, name="calendar_due"),
    path("calendars/<str:code>/exceptions/", views.exception_add, name="exception_add"),
    path("calendars/<str:code>/exceptions/<int:pk>/delete/", views.exception_delete, name="exception_delete"),
]
