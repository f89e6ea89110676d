from django.urls import path

from . import tracking_views as tracking
from . import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("new/", views.plan_create, name="create"),
    path("actions/", views.my_actions, name="actions"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/print/", views.plan_print, name="print"),
    path("<int:pk>/overview/", views.plan_overview, name="overview"),
    path("<int:pk>/edit/", views.plan_edit, name="edit"),
    path("<int:pk>/status/", views.plan_status, name="status"),
    path("<int:pk>/review/", views.plan_review, name="review"),
    path("<int:pk>/value/", views.plan_value, name="value"),
    path("<int:pk>/value/edit/", views.plan_value_edit, name="value_edit"),
    path("<int:pk>/profile/", views.plan_profile, name="profile"),
    path("<int:pk>/profile/edit/", views.plan_profile_edit, name="profile_edit"),
    path("<int:pk>/needs/", views.need_list, name="needs"),
    path("<int:pk>/needs/new/", views.need_create, name="need_create"),
    path("needs/<int:pk>/", views.need_row, name="need_row"),
    path("needs/<int:pk>/edit/", views.need_edit, name="need_edit"),
    path("needs/<int:pk>/delete/", views.need_delete, name="need_delete"),
    path("<int:pk>/goals/", views.goal_list, name="goals"),
    path("<int:pk>/goals/new/", views.goal_create, name="goal_create"),
    path("goals/<int:pk>/", views.goal_row, name="goal_row"),
    path("goals/<int:pk>/edit/", views.goal_edit, name="goal_edit"),
    path("goals/<int:pk>/delete/", views.goal_delete, name="goal_delete"),
    path("<int:pk>/traceability/", views.plan_traceability, name="traceability"),
    # KPIs, the competitor map and the action plan.
    path("<int:plan_pk>/kpis/", tracking.kpi_list, name="kpis"),
    path("<int:plan_pk>/kpis/new/", tracking.kpi_create, name="kpi_create"),
    path("kpis/<int:pk>/", tracking.kpi_card, name="kpi_card"),
    path("kpis/<int:pk>/edit/", tracking.kpi_edit, name="kpi_edit"),
    path("kpis/<int:pk>/delete/", tracking.kpi_delete, name="kpi_delete"),
    path("kpis/<int:pk>/measurements/", tracking.measurement_create, name="measurement_create"),
    path(
        "measurements/<int:pk>/delete/",
        tracking.measurement_delete,
        name="measurement_delete",
    ),
    path("<int:plan_pk>/competitors/", tracking.competitor_list, name="competitors"),
    path("<int:plan_pk>/competitors/new/", tracking.competitor_create, name="competitor_create"),
    path("competitors/<int:pk>/edit/", tracking.competitor_edit, name="competitor_edit"),
    path("competitors/<int:pk>/delete/", tracking.competitor_delete, name="competitor_delete"),
    path("<int:plan_pk>/actions/", tracking.action_list, name="action_plan"),
    path("<int:plan_pk>/actions/new/", tracking.action_create, name="action_create"),
    path("actions/<int:pk>/", tracking.action_row, name="action_row"),
    path("actions/<int:pk>/edit/", tracking.action_edit, name="action_edit"),
    path("actions/<int:pk>/delete/", tracking.action_delete, name="action_delete"),
    path("actions/<int:pk>/status/", tracking.action_status, name="action_status"),
]
