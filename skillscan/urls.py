from django.urls import path

from . import views

app_name = "skillscan"

urlpatterns = [
    path("apprenticeships/<int:pk>/scans/", views.scan_history, name="scan-history"),
    path("apprenticeships/<int:pk>/scans/start/", views.scan_start_view, name="scan-start"),
    path("scans/to-validate/", views.validation_queue, name="validation-queue"),
    path("scans/<int:pk>/", views.scan_results_view, name="scan-results"),
    path("scans/<int:pk>/rate/<str:section>/", views.scan_rate, name="scan-rate"),
    path("scans/<int:pk>/submit/", views.scan_submit_view, name="scan-submit"),
    path("scans/<int:pk>/validate/", views.scan_validate_view, name="scan-validate"),
    path("scans/<int:pk>/download/", views.scan_csv, name="scan-csv"),
]
