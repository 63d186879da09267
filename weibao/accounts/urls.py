from django.contrib.auth import views as auth_views
from django.urls import path

from . import views, views_mfa

app_name = "accounts"

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.password_change, name="password_change"),
    path("accounts/mfa/", views_mfa.mfa_settings, name="mfa_settings"),
    path("accounts/mfa/verify/", views_mfa.mfa_verify, name="mfa_verify"),
    path("accounts/mfa/setup/", views_mfa.mfa_setup, name="mfa_setup"),
    path("accounts/mfa/setup/qr.svg", views_mfa.mfa_qr, name="mfa_qr"),
    path("accounts/mfa/recovery/", views_mfa.mfa_recovery_regenerate, name="mfa_recovery"),
    path("accounts/mfa/disable/", views_mfa.mfa_disable, name="mfa_disable"),
    path("accounts/tokens/", views.token_list, name="tokens"),
    path("accounts/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("orgs/", views.organization_list, name="organization_list"),
    path("orgs/new/", views.organization_create, name="organization_create"),
    path("orgs/<int:pk>/", views.organization_detail, name="organization_detail"),
    path("orgs/<int:pk>/members/new/", views.member_create, name="member_create"),
    path("orgs/<int:pk>/campuses/new/", views.campus_create, name="campus_create"),
    path("orgs/<int:pk>/departments/new/", views.department_create, name="department_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/<slug:action>/", views.user_action, name="user_action"),
]
