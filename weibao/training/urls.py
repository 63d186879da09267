from django.urls import path

from . import views

app_name = "training"

urlpatterns = [
    path("training/", views.session_list, name="session_list"),
    path("training/new/", views.session_new, name="session_new"),
    path("training/mine/", views.my_records, name="my_records"),
    path("training/<int:pk>/", views.session_detail, name="session_detail"),
    path("training/<int:pk>/sign-in-open/", views.sign_in_toggle, name="sign_in_toggle"),
    path("training/<int:pk>/sign/<str:token>/", views.sign_in, name="sign_in"),
    path("training/trainee/<int:pk>/feedback/", views.feedback, name="feedback"),
]
