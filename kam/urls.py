from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.urls import renewal_urlpatterns
from kam.core import views
from kam.dashboard import views as dashboard_views

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", views.set_language, name="set_language"),
    path("settings/", views.user_settings, name="user_settings"),
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
    path("admin/", admin.site.urls),
]
