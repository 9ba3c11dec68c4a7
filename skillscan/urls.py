from django.urls import path

from core import converters  # noqa: F401 (registers the path converters used below)

from . import views

app_name = "skillscan"

urlpatterns = [
    path("apprenticeships/<id:pk>/scans/", views.scan_history, name="scan-history"),
    path("apprenticeships/<id:pk>/scans/start/", views.scan_start_view, name="scan-start"),
    path("scans/to-validate/", views.validation_queue, name="validation-queue"),
    path("scans/<id:pk>/", views.scan_results_view, name="scan-results"),
    path("scans/<id:pk>/rate/<str:section>/", views.scan_rate, name="scan-rate"),
    path("scans/<id:pk>/submit/", views.scan_submit_view, name="scan-submit"),
    path("scans/<id:pk>/download/", views.scan_csv, name="scan-csv"),
]
