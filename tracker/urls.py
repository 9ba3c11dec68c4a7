from django.urls import path

from .views import duties, evidence, hours, reviews

app_name = "tracker"

urlpatterns = [
    path("apprenticeships/<int:pk>/evidence/", evidence.evidence_list, name="evidence-list"),
    path(
        "apprenticeships/<int:pk>/evidence/new/", evidence.evidence_create, name="evidence-create"
    ),
    path("evidence/<int:pk>/", evidence.evidence_detail, name="evidence-detail"),
    path("evidence/<int:pk>/edit/", evidence.evidence_update, name="evidence-update"),
    path("evidence/<int:pk>/delete/", evidence.evidence_delete_view, name="evidence-delete"),
    path("evidence/<int:pk>/submit/", evidence.evidence_submit_view, name="evidence-submit"),
    path("evidence/<int:pk>/decide/", evidence.evidence_decide_view, name="evidence-decide"),
    path("evidence/<int:pk>/file/", evidence.evidence_file, name="evidence-file"),
    path("apprenticeships/<int:pk>/duties/", duties.duty_list, name="duty-list"),
    path("apprenticeships/<int:pk>/duties/<int:number>/", duties.duty_detail, name="duty-detail"),
    path(
        "apprenticeships/<int:pk>/duties/<int:number>/sign-off/",
        duties.duty_sign_off_view,
        name="duty-sign-off",
    ),
    path(
        "apprenticeships/<int:pk>/duties/<int:number>/undo-sign-off/",
        duties.duty_undo_view,
        name="duty-sign-off-undo",
    ),
    path("apprenticeships/<int:pk>/hours/", hours.hours, name="hours"),
    path(
        "apprenticeships/<int:pk>/reviews/",
        reviews.progress_review_list,
        name="progress-review-list",
    ),
    path(
        "apprenticeships/<int:pk>/reviews/new/",
        reviews.progress_review_create,
        name="progress-review-create",
    ),
    path("reviews/<int:pk>/", reviews.progress_review_detail, name="progress-review-detail"),
    path("reviews/<int:pk>/edit/", reviews.progress_review_update, name="progress-review-update"),
    path("reviews/<int:pk>/sign/", reviews.progress_review_sign_view, name="progress-review-sign"),
]
