from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.urls import renewal_urlpatterns
from kam.core import signin_views, views
from kam.dashboard import views as dashboard_views

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("login/two-step/", signin_views.login_two_step, name="login_two_step"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/reset/", signin_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("language/", views.set_language, name="set_language"),
    path("settings/", views.user_settings, name="user_settings"),
    path("readings/", views.reading_suggestion, name="reading_suggestion"),
    path("settings/two-step/", signin_views.two_step_setup, name="two_step_setup"),
    path("settings/two-step/codes/", signin_views.two_step_codes, name="two_step_codes"),
    path("settings/two-step/off/", signin_views.two_step_disable, name="two_step_disable"),
    path(
        "settings/sign-out-everywhere/",
        signin_views.sign_out_everywhere,
        name="sign_out_everywhere",
    ),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path(
        "dashboard/records/<slug:kind>/",
        dashboard_views.dashboard_records,
        name="dashboard_records",
    ),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_mark_read, name="notifications_mark_read"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification_open"),
    path("accounts/", include("accounts.urls")),
    path("renewals/", include((renewal_urlpatterns, "renewals"))),
    path("plans/", include("plans.urls")),
    path("stakeholders/", include("stakeholders.urls")),
    path("history/", include("kam.history.urls")),
    path("comments/", include("plans.comment_urls")),
    path("admin/", admin.site.urls),
]
