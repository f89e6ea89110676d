from django.urls import path

from . import renewal_views, views

app_name = "accounts"
urlpatterns = [
    path("", views.account_list, name="list"),
    path("new/", views.account_create, name="create"),
    path("<int:pk>/", views.account_detail, name="detail"),
    path("<int:pk>/summary/", views.account_summary, name="summary"),
    path("<int:pk>/edit/", views.account_edit, name="edit"),
    path("<int:pk>/health/", views.account_health, name="health"),
    path("<int:pk>/team/", views.team, name="team"),
    path("<int:pk>/team/add/", views.team_add, name="team_add"),
    path("<int:pk>/team/<int:user_pk>/remove/", views.team_remove, name="team_remove"),
    path("<int:pk>/contracts/", views.contracts, name="contracts"),
    path("<int:pk>/contracts/add/", views.contract_add, name="contract_add"),
    path("contracts/<int:pk>/edit/", views.contract_edit, name="contract_edit"),
    path(
        "contracts/<int:pk>/price-review/",
        views.contract_price_review,
        name="contract_price_review",
    ),
    path("<int:pk>/opportunities/", views.opportunities, name="opportunities"),
    path("<int:pk>/opportunities/add/", views.opportunity_add, name="opportunity_add"),
    path("opportunities/<int:pk>/", views.opportunity_row, name="opportunity_row"),
    path("opportunities/<int:pk>/stage/", views.opportunity_stage, name="opportunity_stage"),
    path("opportunities/<int:pk>/edit/", views.opportunity_edit, name="opportunity_edit"),
    path("opportunities/<int:pk>/delete/", views.opportunity_delete, name="opportunity_delete"),
    path("<int:pk>/plans/", views.account_plans, name="plans"),
    path("<int:pk>/meetings/", views.meetings, name="meetings"),
    path("<int:pk>/meetings/add/", views.meeting_add, name="meeting_add"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/delete/", views.meeting_delete, name="meeting_delete"),
]

# The renewal pipeline is its own section of the site, under /renewals/ (namespace renewals).
renewal_urlpatterns = [
    path("", renewal_views.pipeline, name="pipeline"),
    path("<int:pk>/row/", renewal_views.row, name="row"),
    path("<int:pk>/start/", renewal_views.start_renewal, name="start"),
    path("<int:pk>/renew/", renewal_views.renew, name="renew"),
    path("<int:pk>/close/", renewal_views.close, name="close"),
]
