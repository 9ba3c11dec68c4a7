from django.urls import path

from . import views

app_name = "standards"

urlpatterns = [
    path("", views.StandardListView.as_view(), name="standard-list"),
    path("<str:reference>/", views.standard_latest, name="standard-latest"),
    path("<str:reference>/<str:version>/", views.standard_detail, name="standard-detail"),
]
