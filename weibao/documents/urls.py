from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("documents/<int:pk>/download/", views.document_download, name="download"),
    path("documents/templates/", views.template_list, name="template_list"),
    path("documents/templates/<str:kind>/download/", views.template_download, name="template_download"),
    path("documents/templates/<str:kind>/upload/", views.template_upload, name="template_upload"),
    path("documents/templates/<str:kind>/reset/", views.template_reset, name="template_reset"),
]
