from django.urls import path

from . import views

app_name = "history"
urlpatterns = [
    path("accounts/<int:pk>/", views.account_timeline, name="account"),
    path("plans/<int:pk>/", views.plan_timeline, name="plan"),
    path("stakeholders/<int:pk>/", views.stakeholder_standing, name="stakeholder"),
]
