from django.urls import path
from django.views.generic import TemplateView

from core import converters  # noqa: F401 (registers the path converters used below)

from . import (
    caseload_views,
    move_views,
    portfolio_views,
    review_prefill_views,
    scan_validation,
    views,
)

app_name = "progress"

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="welcome"),
    path("home/", views.start, name="start"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/export.csv", views.dashboard_csv, name="dashboard-csv"),
    path("caseload/", caseload_views.caseload_view, name="caseload"),
    path("caseload/export.csv", caseload_views.caseload_csv, name="caseload-csv"),
    path("evidence/to-review/", views.evidence_queue, name="evidence-queue"),
    path("scans/<id:pk>/validate/", scan_validation.scan_validate_view, name="scan-validate"),
    path("apprenticeships/<id:pk>/", views.apprenticeship_home, name="apprenticeship-home"),
    path("apprenticeships/<id:pk>/gateway/", views.gateway, name="gateway"),
    path("apprenticeships/<id:pk>/gateway/mark/", views.gateway_mark, name="gateway-mark"),
    path("apprenticeships/<id:pk>/portfolio/", views.portfolio_view, name="portfolio"),
    path("apprenticeships/<id:pk>/portfolio.csv", views.portfolio_csv, name="portfolio-csv"),
    path(
        "apprenticeships/<id:pk>/portfolio/build-pdf/",
        portfolio_views.portfolio_build_pdf,
        name="portfolio-build-pdf",
    ),
    path(
        "apprenticeships/<id:pk>/portfolio/build-zip/",
        portfolio_views.portfolio_build_zip,
        name="portfolio-build-zip",
    ),
    path(
        "apprenticeships/<id:pk>/move/", move_views.apprenticeship_move, name="apprenticeship-move"
    ),
    path("organisations/<id:pk>/moves/", move_views.organisation_moves, name="organisation-moves"),
    path("reviews/<id:pk>/prefill/", review_prefill_views.review_prefill, name="review-prefill"),
]
