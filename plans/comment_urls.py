from django.urls import path

from . import comment_views as views

app_name = "comments"
urlpatterns = [
    path("accounts/<int:pk>/", views.account_comments, name="account"),
    path("accounts/<int:pk>/new/", views.account_comment_start, name="account_start"),
    path("plans/<int:pk>/", views.plan_comments, name="plan"),
    path("plans/<int:pk>/new/", views.plan_comment_start, name="plan_start"),
    path("<int:pk>/", views.thread, name="thread"),
    path("<int:pk>/reply/", views.comment_reply, name="reply"),
    path("<int:pk>/edit/", views.comment_edit, name="edit"),
    path("<int:pk>/delete/", views.comment_delete, name="delete"),
    path("<int:pk>/resolve/", views.thread_resolve, name="resolve"),
    path("<int:pk>/reopen/", views.thread_reopen, name="reopen"),
]
