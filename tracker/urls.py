from django.urls import path

from . import views

app_name = "tracker"

urlpatterns = [
    path("dashboard/", views.dashboard_view, name="dashboard"),
    path("dashboard/export.csv", views.dashboard_csv, name="dashboard-csv"),
    path("apprenticeships/<int:pk>/gateway/", views.gateway, name="gateway"),
    path("apprenticeships/<int:pk>/portfolio/", views.portfolio_view, name="portfolio"),
    path("apprenticeships/<int:pk>/portfolio.csv", views.portfolio_csv, name="portfolio-csv"),
    path("apprenticeships/<int:pk>/evidence/", views.evidence_list, name="evidence-list"),
    path("apprenticeships/<int:pk>/evidence/new/", views.evidence_create, name="evidence-create"),
    path("evidence/to-review/", views.evidence_queue, name="evidence-queue"),
    path("evidence/<int:pk>/", views.evidence_detail, name="evidence-detail"),
    path("evidence/<int:pk>/edit/", views.evidence_update, name="evidence-update"),
    path("evidence/<int:pk>/delete/", views.evidence_delete_view, name="evidence-delete"),
    path("evidence/<int:pk>/submit/", views.evidence_submit_view, name="evidence-submit"),
    path("evidence/<int:pk>/decide/", views.evidence_decide_view, name="evidence-decide"),
    path("evidence/<int:pk>/file/", views.evidence_file, name="evidence-file"),
    path("apprenticeships/<int:pk>/duties/", views.duty_list, name="duty-list"),
    path("apprenticeships/<int:pk>/duties/<int:number>/", views.duty_detail, name="duty-detail"),
    path(
        "apprenticeships/<int:pk>/duties/<int:number>/sign-off/",
        views.duty_sign_off_view,
        name="duty-sign-off",
    ),
    path(
        "apprenticeships/<int:pk>/duties/<int:number>/undo-sign-off/",
        views.duty_undo_view,
        name="duty-sign-off-undo",
    ),
    path("apprenticeships/<int:pk>/hours/", views.hours, name="hours"),
    path(
        "apprenticeships/<int:pk>/reviews/", views.progress_review_list, name="progress-review-list"
    ),
    path(
        "apprenticeships/<int:pk>/reviews/new/",
        views.progress_review_create,
        name="progress-review-create",
    ),
    path("reviews/<int:pk>/", views.progress_review_detail, name="progress-review-detail"),
    path("reviews/<int:pk>/edit/", views.progress_review_update, name="progress-review-update"),
    path("reviews/<int:pk>/sign/", views.progress_review_sign_view, name="progress-review-sign"),
]
