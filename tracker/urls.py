from django.urls import path

from core import converters  # noqa: F401 (registers the path converters used below)

from .views import decisions, duties, evidence, hours, plan, review_parts, reviews

app_name = "tracker"

urlpatterns = [
    path("apprenticeships/<id:pk>/evidence/", evidence.evidence_list, name="evidence-list"),
    path("apprenticeships/<id:pk>/evidence/new/", evidence.evidence_create, name="evidence-create"),
    path("evidence/<id:pk>/", decisions.evidence_detail, name="evidence-detail"),
    path("evidence/<id:pk>/edit/", evidence.evidence_update, name="evidence-update"),
    path("evidence/<id:pk>/delete/", evidence.evidence_delete_view, name="evidence-delete"),
    path("evidence/<id:pk>/submit/", evidence.evidence_submit_view, name="evidence-submit"),
    path("evidence/<id:pk>/decide/", decisions.evidence_decide_view, name="evidence-decide"),
    path("evidence/<id:pk>/withdraw/", decisions.evidence_withdraw_view, name="evidence-withdraw"),
    path("evidence/<id:pk>/comment/", decisions.evidence_comment_view, name="evidence-comment"),
    path("evidence/<id:pk>/file/", evidence.evidence_file, name="evidence-file"),
    path("apprenticeships/<id:pk>/duties/", duties.duty_list, name="duty-list"),
    path("apprenticeships/<id:pk>/duties/<id:number>/", duties.duty_detail, name="duty-detail"),
    path(
        "apprenticeships/<id:pk>/duties/<id:number>/sign-off/",
        duties.duty_sign_off_view,
        name="duty-sign-off",
    ),
    path(
        "apprenticeships/<id:pk>/duties/<id:number>/undo-sign-off/",
        duties.duty_undo_view,
        name="duty-sign-off-undo",
    ),
    path("apprenticeships/<id:pk>/hours/", hours.hours, name="hours"),
    path(
        "apprenticeships/<id:pk>/hours/timesheet/",
        hours.timesheet_add,
        name="timesheet-add",
    ),
    path("timesheet/<id:pk>/decide/", hours.timesheet_decide_view, name="timesheet-decide"),
    path("timesheet/<id:pk>/withdraw/", hours.timesheet_withdraw_view, name="timesheet-withdraw"),
    path("apprenticeships/<id:pk>/hours/time-off/", hours.time_off_add, name="time-off-add"),
    path("time-off/<id:pk>/withdraw/", hours.time_off_withdraw_view, name="time-off-withdraw"),
    path(
        "apprenticeships/<id:pk>/hours/working-week/",
        hours.working_hours_change_view,
        name="working-hours-change",
    ),
    path(
        "apprenticeships/<id:pk>/reviews/",
        reviews.progress_review_list,
        name="progress-review-list",
    ),
    path(
        "apprenticeships/<id:pk>/reviews/new/",
        reviews.progress_review_create,
        name="progress-review-create",
    ),
    path("reviews/<id:pk>/", reviews.progress_review_detail, name="progress-review-detail"),
    path("reviews/<id:pk>/edit/", reviews.progress_review_update, name="progress-review-update"),
    path("reviews/<id:pk>/sign/", reviews.progress_review_sign_view, name="progress-review-sign"),
    path(
        "apprenticeships/<id:pk>/reviews/schedule/",
        review_parts.progress_review_schedule_view,
        name="progress-review-schedule",
    ),
    path(
        "reviews/<id:pk>/reschedule/",
        review_parts.progress_review_reschedule_view,
        name="progress-review-reschedule",
    ),
    path("reviews/<id:pk>/review.pdf", reviews.progress_review_pdf, name="progress-review-pdf"),
    path("reviews/<id:pk>/invitation.ics", reviews.progress_review_ics, name="progress-review-ics"),
    path(
        "reviews/<id:pk>/actions/new/",
        review_parts.review_action_create,
        name="progress-review-action-create",
    ),
    path(
        "reviews/<id:pk>/actions/<id:action_pk>/state/",
        review_parts.review_action_state,
        name="progress-review-action-state",
    ),
    path("apprenticeships/<id:pk>/plan/", plan.plan, name="plan"),
    path("apprenticeships/<id:pk>/plan/propose/", plan.plan_propose, name="plan-propose"),
    path("apprenticeships/<id:pk>/plan/sign/", plan.plan_sign_view, name="plan-sign"),
    path(
        "apprenticeships/<id:pk>/plan/activities/new/",
        plan.plan_activity_add_view,
        name="plan-activity-add",
    ),
    path(
        "apprenticeships/<id:pk>/plan/activities/<id:activity>/edit/",
        plan.plan_activity_edit,
        name="plan-activity-edit",
    ),
    path(
        "apprenticeships/<id:pk>/plan/activities/<id:activity>/remove/",
        plan.plan_activity_remove_view,
        name="plan-activity-remove",
    ),
    path(
        "apprenticeships/<id:pk>/plan/activities/<id:activity>/evidence/",
        plan.plan_activity_evidence,
        name="plan-activity-evidence",
    ),
    path(
        "reviews/<id:pk>/concerns/new/",
        review_parts.review_concern_create,
        name="progress-review-concern-create",
    ),
]
