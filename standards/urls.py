from django.urls import path

from core import converters  # noqa: F401 (registers the path converters used below)

from . import views

app_name = "standards"

urlpatterns = [
    path("", views.StandardListView.as_view(), name="standard-list"),
    path("<reference:reference>/", views.standard_latest, name="standard-latest"),
    path("<reference:reference>/<version:version>/", views.standard_detail, name="standard-detail"),
    path(
        "<reference:reference>/compare/<version:old>/<version:new>/",
        views.standard_compare,
        name="standard-compare",
    ),
]
