"""KPIs, the competitor map and the action plan of a plan; appended to plans.urls."""

from django.urls import path

from . import tracking_views as views

urlpatterns = [
    path("<int:plan_pk>/kpis/", views.kpi_list, name="kpis"),
    path("<int:plan_pk>/kpis/new/", views.kpi_create, name="kpi_create"),
    path("kpis/<int:pk>/", views.kpi_card, name="kpi_card"),
    path("kpis/<int:pk>/edit/", views.kpi_edit, name="kpi_edit"),
    path("kpis/<int:pk>/delete/", views.kpi_delete, name="kpi_delete"),
    path("kpis/<int:pk>/measurements/", views.measurement_create, name="measurement_create"),
    path("measurements/<int:pk>/delete/", views.measurement_delete, name="measurement_delete"),
    path("<int:plan_pk>/competitors/", views.competitor_list, name="competitors"),
    path("<int:plan_pk>/competitors/new/", views.competitor_create, name="competitor_create"),
    path("competitors/<int:pk>/edit/", views.competitor_edit, name="competitor_edit"),
    path("competitors/<int:pk>/delete/", views.competitor_delete, name="competitor_delete"),
    path("<int:plan_pk>/actions/", views.action_list, name="action_plan"),
    path("<int:plan_pk>/actions/new/", views.action_create, name="action_create"),
    path("actions/<int:pk>/", views.action_row, name="action_row"),
    path("actions/<int:pk>/edit/", views.action_edit, name="action_edit"),
    path("actions/<int:pk>/delete/", views.action_delete, name="action_delete"),
    path("actions/<int:pk>/status/", views.action_status, name="action_status"),
]
