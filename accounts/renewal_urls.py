from django.urls import path

from . import renewal_views

app_name = "renewals"
urlpatterns = [
    path("", renewal_views.pipeline, name="pipeline"),
    path("<int:pk>/row/", renewal_views.row, name="row"),
    path("<int:pk>/start/", renewal_views.start_renewal, name="start"),
    path("<int:pk>/renew/", renewal_views.renew, name="renew"),
    path("<int:pk>/close/", renewal_views.close, name="close"),
]
