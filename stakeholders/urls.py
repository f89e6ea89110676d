from django.urls import path

from . import views

app_name = "stakeholders"
urlpatterns = [
    path("account/<int:account_pk>/map/", views.power_map, name="power_map"),
    path("account/<int:account_pk>/new/", views.stakeholder_create, name="create"),
    path("<int:pk>/edit/", views.stakeholder_edit, name="edit"),
    path("<int:pk>/delete/", views.stakeholder_delete, name="delete"),
    path("plan/<int:plan_pk>/engagements/", views.engagements, name="engagements"),
    path("plan/<int:plan_pk>/engagements/new/", views.engagement_create, name="engagement_create"),
    path("engagements/<int:pk>/edit/", views.engagement_edit, name="engagement_edit"),
    path("engagements/<int:pk>/delete/", views.engagement_delete, name="engagement_delete"),
]
